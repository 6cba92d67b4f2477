<?php

// Without Composer: require this file, then use Usd1pay\Processor,
// Usd1pay\Usd1pay and Usd1pay\Usd1payException.

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Usd1pay\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 8)) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
