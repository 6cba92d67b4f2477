// The receiver-side verification snippets of docs/webhook-verification.md,
// run for real: docs/snippets/verify.js (node + the standardwebhooks
// package), verify.py (python3, standard library), verify.php (php-cli) and
// verify.c (built by CMake as webhook_verify_snippet_c, OpenSSL). usd1pay
// signs; each snippet must accept the genuine messages (one signature,
// rotation with two, unknown versions beside v1, a bare base64 secret) and
// refuse tampered body, id and timestamp, a stale or early timestamp and a
// wrong secret. The doc must contain each file verbatim.
//
// The snippets read the real clock, so the messages are signed at the real
// time; the stale / early cases are 10 minutes off, far from any edge.
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/encoding.h"
#include "usd1pay/id.h"
#include "usd1pay/webhook.h"

#ifndef USD1PAY_VERIFY_SNIPPET_C
#error \
    "USD1PAY_VERIFY_SNIPPET_C: the path of the built docs/snippets/verify.c (tests/integration/CMakeLists.txt)"
#endif

namespace usd1pay {
namespace {

using testing::ProcessResult;
using testing::read_file;
using testing::required_env;
using testing::run_process;

struct Snippet {
  std::string name;
  std::vector<std::string> command;  // followed by the five arguments
  std::vector<std::string> env;
};

std::vector<Snippet> snippets() {
  const std::string docs = required_env("USD1PAY_SOURCE_DIR") + "/docs/snippets/";
  const std::string peers = required_env("USD1PAY_PEERS_DIR");
  return {
      {"node", {"node", docs + "verify.js"}, {"NODE_PATH=" + peers + "/node_modules"}},
      {"python", {"python3", docs + "verify.py"}, {}},
      {"php", {"php", docs + "verify.php"}, {}},
      {"c", {USD1PAY_VERIFY_SNIPPET_C}, {}},
  };
}

struct Case {
  std::string what;
  std::string secret;
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body_file;
  bool valid = false;
};

class WebhookSnippetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto old_secret = generate_webhook_secret();
    auto new_secret = generate_webhook_secret();
    ASSERT_TRUE(old_secret.ok() && new_secret.ok());
    old_secret_ = *old_secret;
    new_secret_ = *new_secret;
    body_ =
        "{\"id\":\"evt_8Jq2\",\"type\":\"intent.succeeded\",\"created\":\"2025-01-02T03:04:05Z\","
        "\"data\":{\"amount\":\"25.00\",\"memo\":\"caf\xc3\xa9 \xe2\x82\xac \\\"q\\\"\\n\"}}\n";
    body_file_ = dir_.file("body.json");
    testing::write_file(body_file_, body_);
    tampered_file_ = dir_.file("tampered.json");
    std::string tampered = body_;
    tampered.replace(tampered.find("25.00"), 5, "95.00");
    testing::write_file(tampered_file_, tampered);
    now_ = static_cast<std::int64_t>(std::time(nullptr));
  }

  WebhookHeaders sign(std::vector<std::string> secrets, const std::string& id,
                      std::int64_t timestamp) {
    SignWebhookParams p;
    p.secrets = std::move(secrets);
    p.id = id;
    p.timestamp = timestamp;
    p.body = body_;
    auto headers = sign_webhook(p);
    EXPECT_TRUE(headers.ok()) << headers.status().message();
    return headers.ok() ? *headers : WebhookHeaders{};
  }

  std::vector<Case> cases() {
    const std::string id = new_id(kWebhookMessageIdPrefix);
    const auto one = sign({new_secret_}, id, now_);
    const auto both = sign({old_secret_, new_secret_}, id, now_);
    const auto stale = sign({new_secret_}, id, now_ - 600);
    const auto early = sign({new_secret_}, id, now_ + 600);
    std::string other_id = id;
    other_id.back() = other_id.back() == 'x' ? 'y' : 'x';
    const std::string bare = new_secret_.substr(kWebhookSecretPrefix.size());
    const std::string later = std::to_string(now_ + 1);
    return {
        {"one signature", new_secret_, id, one.timestamp, one.signature, body_file_, true},
        {"rotation, new secret", new_secret_, id, both.timestamp, both.signature, body_file_, true},
        {"rotation, old secret", old_secret_, id, both.timestamp, both.signature, body_file_, true},
        {"unknown versions around v1", new_secret_, id, one.timestamp,
         "v1a,c2lnbmF0dXJl " + one.signature + " v2,xyz", body_file_, true},
        {"bare base64 secret", bare, id, one.timestamp, one.signature, body_file_, true},
        {"tampered body", new_secret_, id, one.timestamp, one.signature, tampered_file_, false},
        {"tampered id", new_secret_, other_id, one.timestamp, one.signature, body_file_, false},
        {"tampered timestamp", new_secret_, id, later, one.signature, body_file_, false},
        {"10 minutes old", new_secret_, id, stale.timestamp, stale.signature, body_file_, false},
        {"10 minutes early", new_secret_, id, early.timestamp, early.signature, body_file_, false},
        {"wrong secret", old_secret_, id, one.timestamp, one.signature, body_file_, false},
        {"only another version", new_secret_, id, one.timestamp, "v1a," + one.signature.substr(3),
         body_file_, false},
    };
  }

  testing::TempDir dir_;
  std::string old_secret_;
  std::string new_secret_;
  std::string body_;
  std::string body_file_;
  std::string tampered_file_;
  std::int64_t now_ = 0;
};

TEST_F(WebhookSnippetsTest, EachSnippetAcceptsGenuineAndRefusesForgedMessages) {
  const auto all = cases();
  for (const Snippet& snippet : snippets()) {
    int accepted = 0;
    for (const Case& c : all) {
      std::vector<std::string> argv = snippet.command;
      argv.insert(argv.end(), {c.secret, c.id, c.timestamp, c.signature, c.body_file});
      const ProcessResult r = run_process(argv, "", snippet.env);
      EXPECT_EQ(r.exit_code, c.valid ? 0 : 1)
          << snippet.name << ", " << c.what << "\nstdout: " << r.out << "\nstderr: " << r.err;
      accepted += r.exit_code == 0 ? 1 : 0;
    }
    EXPECT_EQ(accepted, 5) << snippet.name;
  }
}

// usd1pay's own verifier agrees with the snippets on every case.
TEST_F(WebhookSnippetsTest, Usd1payVerifierAgreesOnTheSameCases) {
  for (const Case& c : cases()) {
    VerifyWebhookParams v;
    v.secrets = {c.secret};
    v.id = c.id;
    v.timestamp = c.timestamp;
    v.signature = c.signature;
    const std::string body = read_file(c.body_file);
    v.body = body;
    v.now = now_;
    EXPECT_EQ(verify_webhook(v).ok(), c.valid) << c.what << ": " << verify_webhook(v).message();
  }
}

TEST_F(WebhookSnippetsTest, UsageErrorsExitTwo) {
  for (const Snippet& snippet : snippets()) {
    std::vector<std::string> argv = snippet.command;
    argv.emplace_back("only-one-argument");
    const ProcessResult r = run_process(argv, "", snippet.env);
    EXPECT_EQ(r.exit_code, 2) << snippet.name << ": " << r.err;
    EXPECT_NE(r.err.find("usage"), std::string::npos) << snippet.name << ": " << r.err;
  }
}

TEST(WebhookSnippetsDocTest, DocContainsEachSnippetVerbatim) {
  const std::string root = required_env("USD1PAY_SOURCE_DIR");
  const std::string doc = read_file(root + "/docs/webhook-verification.md");
  for (const char* file : {"verify.js", "verify.py", "verify.php", "verify.c"}) {
    const std::string snippet = read_file(root + "/docs/snippets/" + file);
    ASSERT_FALSE(snippet.empty()) << file;
    EXPECT_NE(doc.find("\n" + snippet + "```\n"), std::string::npos)
        << "docs/webhook-verification.md does not contain docs/snippets/" << file
        << " verbatim in a code block";
  }
}

}  // namespace
}  // namespace usd1pay
