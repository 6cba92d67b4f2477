#include "pos_terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace usd1pay::pos {
namespace {

// Shared with the signal handlers: only sig_atomic_t flags and a termios
// written once before the handlers are installed.
volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_resized = 0;
volatile std::sig_atomic_t g_saved_valid = 0;
volatile std::sig_atomic_t g_cursor_hidden = 0;
volatile std::sig_atomic_t g_key_mode = 0;
volatile std::sig_atomic_t g_continued = 0;
struct termios g_saved {};

void write_all(const char* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = ::write(STDOUT_FILENO, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void on_stop_signal(int sig) {
  if (g_stop != 0) {
    // The loop did not react to the first one: leave now, terminal first.
    restore_terminal();
    _exit(128 + sig);
  }
  g_stop = sig;
}

void on_resize_signal(int /*sig*/) {
  g_resized = 1;
}

void install(int sig, void (*handler)(int));

// Ctrl-Z: put the terminal back, then stop as the default action would.
void on_suspend_signal(int /*sig*/) {
  const int saved_errno = errno;
  restore_terminal();
  std::signal(SIGTSTP, SIG_DFL);
  raise(SIGTSTP);  // delivered when this handler returns: the process stops
  errno = saved_errno;
}

// Back from Ctrl-Z (fg): the loop re-applies key mode and redraws.
void on_continue_signal(int /*sig*/) {
  install(SIGTSTP, on_suspend_signal);
  g_continued = 1;
  g_resized = 1;
}

void restore_at_exit() {
  restore_terminal();
}

void install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked poll() returns EINTR
  sigaction(sig, &sa, nullptr);
}

// Waits until stdin is readable, a stop signal arrives, or `timeout_ms`
// passes (-1: no limit). Short slices, so that a signal that lands between
// the flag check and poll() is seen within a quarter second.
Terminal::Read wait_readable(int timeout_ms) {
  int left = timeout_ms;
  for (;;) {
    if (g_stop != 0) return Terminal::Read::kSignal;
    const int slice = left < 0 || left > 250 ? 250 : left;
    struct pollfd pfd {};
    pfd.fd = STDIN_FILENO;
    pfd.events = POLLIN;
    const int r = ::poll(&pfd, 1, slice);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Terminal::Read::kEof;
    }
    if (r > 0) return Terminal::Read::kOk;
    if (left >= 0) {
      left -= slice;
      if (left <= 0) return Terminal::Read::kTimeout;
    }
  }
}

}  // namespace

void restore_terminal() noexcept {
  if (g_saved_valid != 0) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  if (g_cursor_hidden != 0) {
    static const char kShow[] = "\x1b[0m\x1b[?25h";
    write_all(kShow, sizeof kShow - 1);
    g_cursor_hidden = 0;
  }
}

Terminal::Terminal() {
  if (isatty(STDIN_FILENO) != 0 && tcgetattr(STDIN_FILENO, &g_saved) == 0) g_saved_valid = 1;
  std::atexit(restore_at_exit);
  install(SIGINT, on_stop_signal);
  install(SIGTERM, on_stop_signal);
  install(SIGHUP, on_stop_signal);
  install(SIGWINCH, on_resize_signal);
  install(SIGTSTP, on_suspend_signal);
  install(SIGCONT, on_continue_signal);
}

Terminal::~Terminal() {
  restore_terminal();
}

void Terminal::set_key_mode(bool on) {
  g_key_mode = on ? 1 : 0;
  if (on) {
    if (g_saved_valid != 0) {
      struct termios t = g_saved;
      t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      t.c_cc[VMIN] = 1;
      t.c_cc[VTIME] = 0;
      tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    if (g_cursor_hidden == 0) {
      g_cursor_hidden = 1;
      write("\x1b[?25l");
    }
  } else {
    restore_terminal();
  }
}

Terminal::Read Terminal::read_line(std::string* line) {
  line->clear();
  for (;;) {
    const Read ready = wait_readable(-1);
    if (ready != Read::kOk) return ready;
    // One byte at a time: when stdin is a pipe, what follows the line belongs
    // to the next read (keys of the sale screen).
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Read::kEof;
    }
    if (n == 0) return line->empty() ? Read::kEof : Read::kOk;
    if (c == '\n') return Read::kOk;
    line->push_back(c);
  }
}

Terminal::Read Terminal::read_key(char* key, std::chrono::milliseconds timeout) {
  if (g_continued != 0) {
    g_continued = 0;
    if (g_key_mode != 0) set_key_mode(true);
  }
  const Read ready = wait_readable(static_cast<int>(timeout.count()));
  if (ready != Read::kOk) return ready;
  const ssize_t n = ::read(STDIN_FILENO, key, 1);
  if (n == 0) return Read::kEof;
  if (n < 0) return errno == EINTR || errno == EAGAIN ? Read::kTimeout : Read::kEof;
  return Read::kOk;
}

void Terminal::discard_input() {
  if (g_saved_valid != 0) tcflush(STDIN_FILENO, TCIFLUSH);
}

void Terminal::write(const std::string& text) {
  write_all(text.data(), text.size());
}

void Terminal::size(int* width, int* height) {
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    *width = ws.ws_col;
    *height = ws.ws_row;
    return;
  }
  *width = 80;
  *height = 24;
}

bool Terminal::resized() {
  const bool was = g_resized != 0;
  g_resized = 0;
  return was;
}

int Terminal::stop_signal() {
  return static_cast<int>(g_stop);
}

}  // namespace usd1pay::pos
