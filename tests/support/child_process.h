// Test support: the test binary re-executed as a child process.
//
// A crash or multi-process test runs a copy of its own binary (fork + execve
// of /proc/self/exe, so no SQLite or thread state crosses the fork) limited
// by a gtest filter to one child test, which reads what to do from
// environment variables. The parent can wait for a "ready" byte on a pipe or
// a file, SIGKILL the child, and reap it.
#ifndef USD1PAY_TESTS_SUPPORT_CHILD_PROCESS_H
#define USD1PAY_TESTS_SUPPORT_CHILD_PROCESS_H

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace usd1pay::testing {

struct SpawnSelfParams {
  /// e.g. "StoreChild.Run": the one test the child runs.
  std::string gtest_filter;
  /// "K=V" entries set in the child; an inherited entry of the same name is dropped.
  std::vector<std::string> env;
  /// Names of inherited variables the child does not get.
  std::vector<std::string> unset;
  /// When not empty: a pipe is made and the child finds the number of its
  /// write end in this variable (see signal_ready); the parent reads the other end.
  std::string ready_var;
};

struct SelfChild {
  pid_t pid = -1;     ///< -1 when fork or pipe failed
  int ready_fd = -1;  ///< read end of the ready pipe (close-on-exec), or -1
};

/// Starts the child, its stdout sent to /dev/null (stderr is kept).
SelfChild spawn_self(const SpawnSelfParams& params);

/// Reaps `pid`: its exit status, 128+N when killed by signal N, -1 on error.
int wait_child(pid_t pid);

/// Parent side: blocks until the child wrote its ready byte (true) or closed
/// the pipe by exiting (false); closes ready_fd either way.
bool wait_ready(SelfChild& child);

/// Child side: the fd number in environment variable `name` (the parent's
/// ready_var), or -1 when it is not set.
int ready_fd_from_env(const char* name);
/// Child side: writes the ready byte to `ready_fd` and closes it. A negative
/// fd does nothing (true); false when the write failed.
bool signal_ready(int ready_fd);

/// SIGKILLs the child and reaps it: its status as wait_child (128 + SIGKILL
/// unless it had exited on its own first).
int kill_child(pid_t pid);

// ---- start lines and markers as files ----
bool file_exists(const std::string& path);
/// Creates the file (one newline).
void touch(const std::string& path);
/// Polls every millisecond until the file exists.
void wait_for_file(const std::string& path);
/// Polls every millisecond until the file exists or `timeout` passed; whether it exists.
bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout);

/// The non-empty lines of a text file (none when it is missing).
std::vector<std::string> read_lines(const std::string& path);

}  // namespace usd1pay::testing

#endif
