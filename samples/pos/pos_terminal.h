// The point-of-sale sample's terminal: line input for the prompts, single
// keys without Enter while a sale waits (non-canonical mode, no echo), the
// window size, and signals.
//
// The terminal's settings are saved when a Terminal is made and put back by
// its destructor, by restore_terminal() (also registered with atexit), and
// on SIGINT / SIGTERM / SIGHUP: the first such signal sets a flag that the
// input calls report (the loop then ends the sale screen and cleans up); a
// second one, when the program is stuck elsewhere, restores the terminal in
// the handler and exits at once with 128 + the signal number.
//
// Ctrl-Z (SIGTSTP) puts the settings back before the process stops; after
// `fg` (SIGCONT) the next read_key() returns to key mode, and resized()
// reports true so that the screen is drawn again.
//
// When stdin is not a terminal (a pipe, a test) nothing is changed and the
// input calls read bytes as they come.
//
// THREAD SAFETY: one thread (the main one) uses the Terminal.
#ifndef USD1PAY_SAMPLES_POS_POS_TERMINAL_H
#define USD1PAY_SAMPLES_POS_POS_TERMINAL_H

#include <chrono>
#include <string>

namespace usd1pay::pos {

class Terminal {
 public:
  /// Saves stdin's terminal settings (when it is a terminal) and installs
  /// the signal handlers. One Terminal per process.
  Terminal();
  /// Restores the settings and shows the cursor.
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  /// Single keys without echo (true) or the saved line mode (false); the
  /// cursor is hidden in key mode.
  void set_key_mode(bool on);

  enum class Read {
    kOk,       ///< a line or a key was read
    kTimeout,  ///< nothing within the timeout (keys only)
    kEof,      ///< stdin was closed (Ctrl-D on an empty line)
    kSignal,   ///< SIGINT / SIGTERM / SIGHUP arrived: stop
  };
  /// One line without its newline, in line mode.
  Read read_line(std::string* line);
  /// One byte, waiting at most `timeout`.
  Read read_key(char* key, std::chrono::milliseconds timeout);
  /// Drops input typed ahead (keys pressed during a redraw).
  void discard_input();

  /// Writes all of `text` to stdout (unbuffered).
  static void write(const std::string& text);
  /// The window size in cells; 80x24 when it cannot be asked.
  static void size(int* width, int* height);
  /// Whether the window was resized since the last call.
  static bool resized();
  /// The signal that asked the program to stop, or 0.
  static int stop_signal();
};

/// Puts the saved settings back and shows the cursor; async-signal-safe and
/// idempotent. Called by ~Terminal, at exit, and by the second signal.
void restore_terminal() noexcept;

}  // namespace usd1pay::pos

#endif  // USD1PAY_SAMPLES_POS_POS_TERMINAL_H
