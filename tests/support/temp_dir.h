// Test support: a temporary directory removed with its contents on scope exit.
#ifndef USD1PAY_TESTS_SUPPORT_TEMP_DIR_H
#define USD1PAY_TESTS_SUPPORT_TEMP_DIR_H

#include <string>

namespace usd1pay::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Whole file contents (binary-safe); throws std::runtime_error when unreadable.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& contents);

}  // namespace usd1pay::testing

#endif
