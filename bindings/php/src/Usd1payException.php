<?php

declare(strict_types=1);

namespace Usd1pay;

/**
 * A usd1pay call failed. getCode() is the C return code (negative, one of the
 * constants below), getName() its name ("USD1PAY_ENOTFOUND"), getMessage()
 * the library's message naming what and where.
 */
class Usd1payException extends \RuntimeException
{
    public const EINVALID = -1;
    public const ECHECKSUM = -2;
    public const ERANGE = -3;
    public const EUNSUPPORTED = -4;
    public const ENOTFOUND = -5;
    public const EEXISTS = -6;
    public const ECONFLICT = -7;
    public const ESTATE = -8;
    public const EIO = -9;
    public const EUNAVAILABLE = -10;
    public const EINTERNAL = -11;
    public const EBUFS = -12;
    public const ENOMEM = -13;
    public const ECLOSED = -14;

    private const NAMES = [
        0 => 'USD1PAY_OK',
        -1 => 'USD1PAY_EINVALID',
        -2 => 'USD1PAY_ECHECKSUM',
        -3 => 'USD1PAY_ERANGE',
        -4 => 'USD1PAY_EUNSUPPORTED',
        -5 => 'USD1PAY_ENOTFOUND',
        -6 => 'USD1PAY_EEXISTS',
        -7 => 'USD1PAY_ECONFLICT',
        -8 => 'USD1PAY_ESTATE',
        -9 => 'USD1PAY_EIO',
        -10 => 'USD1PAY_EUNAVAILABLE',
        -11 => 'USD1PAY_EINTERNAL',
        -12 => 'USD1PAY_EBUFS',
        -13 => 'USD1PAY_ENOMEM',
        -14 => 'USD1PAY_ECLOSED',
    ];

    private ?array $reply = null;

    public function __construct(string $message, int $code, ?\Throwable $previous = null)
    {
        parent::__construct($message, $code, $previous);
    }

    /** The code's name, as in usd1pay.h: "USD1PAY_ENOTFOUND". */
    public function getName(): string
    {
        return self::nameOf($this->getCode());
    }

    /** A reply the library wrote although the call failed (poll-once's report on EUNAVAILABLE). */
    public function getReply(): ?array
    {
        return $this->reply;
    }

    /** @internal */
    public function setReply(array $reply): void
    {
        $this->reply = $reply;
    }

    /** The name of a return code; "USD1PAY_UNKNOWN" for one not in the set. */
    public static function nameOf(int $code): string
    {
        return self::NAMES[$code] ?? 'USD1PAY_UNKNOWN';
    }
}
