// `usd1pay webhook ...` and `usd1pay watch` delivering, as real processes on a
// real SQLite file, delivering to a real HTTP receiver on 127.0.0.1 that
// verifies every request with verify_webhook.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "usd1pay/webhook.h"

extern char** environ;

namespace usd1pay {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::read_file;
using testing::required_env;
using testing::run_process;
using testing::TempDir;
using testing::write_file;

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> rows;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

// A shop backend on loopback: answers `status` (settable) and records every
// request with whether its signature verified against `secret`.
class Receiver {
 public:
  struct Request {
    std::string id, timestamp, signature, body;
    bool verified = false;
  };

  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      Request r;
      r.id = req.get_header_value("webhook-id");
      r.timestamp = req.get_header_value("webhook-timestamp");
      r.signature = req.get_header_value("webhook-signature");
      r.body = req.body;
      const std::lock_guard<std::mutex> lock(mu_);
      VerifyWebhookParams v;
      v.secrets = {secret_};
      v.id = r.id;
      v.timestamp = r.timestamp;
      v.signature = r.signature;
      v.body = r.body;
      v.now = static_cast<std::int64_t>(std::time(nullptr));
      r.verified = verify_webhook(v).ok();
      requests_.push_back(r);
      res.status = status_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void set_status(int s) {
    const std::lock_guard<std::mutex> lock(mu_);
    status_ = s;
  }
  void set_secret(std::string s) {
    const std::lock_guard<std::mutex> lock(mu_);
    secret_ = std::move(s);
  }
  std::vector<Request> requests() {
    const std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 204;  // no body: a 2xx all the same
  std::string secret_;
  std::vector<Request> requests_;
};

class WebhookCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.file("usd1pay.json");
    doc_ = json::parse(read_file(required_env("USD1PAY_SOURCE_DIR") + "/samples/usd1pay.json"));
    write_config();
  }

  void write_config() { write_file(config_, doc_.dump(2)); }

  // The receiver is on loopback: allowed for these tests only.
  void allow_private() {
    doc_["webhook_delivery"]["allow_private_destinations"] = true;
    write_config();
  }

  ProcessResult cli(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), required_env("USD1PAY_CLI"));
    if (args.size() < 3 || args[2] != "verify") {
      args.push_back("--config");
      args.push_back(config_);
    }
    return run_process(args, input);
  }

  json add_endpoint(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"webhook", "add", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }

  std::string create_intent(const std::string& order) {
    const auto r = cli({"intent", "create", "--order", order, "--amount", "25.00"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out)["id"];
  }

  std::vector<json> deliveries(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"webhook", "deliveries", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json_lines(r.out);
  }

  // The events of one intent, oldest first.
  std::vector<json> events_of(const std::string& intent) {
    const auto r = cli({"events", "--intent", intent});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json_lines(r.out);
  }

  TempDir dir_;
  std::string config_;
  json doc_;
};

// ---- endpoints

TEST_F(WebhookCliTest, AddPrintsTheSecretOnceAndListNeverDoes) {
  allow_private();
  const auto text = cli({"webhook", "add", "--url", "http://127.0.0.1:9/hook", "--events",
                         "intent.succeeded,payment.*", "--description", "shop backend"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const std::size_t at = text.out.find("secret: whsec_");
  ASSERT_NE(at, std::string::npos) << text.out;
  const std::string secret1 = text.out.substr(at + 8, text.out.find('\n', at) - at - 8);
  EXPECT_TRUE(decode_webhook_secret(secret1).ok()) << secret1;
  EXPECT_NE(text.out.find("intent.succeeded,payment.*"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("shown only now"), std::string::npos) << text.out;

  const std::string given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const json j = add_endpoint({"--url", "https://127.0.0.1:8443/x", "--secret", given});
  EXPECT_EQ(j["secret"], given);
  EXPECT_EQ(j["url"], "https://127.0.0.1:8443/x");
  EXPECT_EQ(j["events"], json::array());
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["source"], "api");
  EXPECT_EQ(std::string(j["id"]).rfind("we_", 0), 0u);

  for (const bool as_json : {false, true}) {
    const auto list = as_json ? cli({"webhook", "list", "--json"}) : cli({"webhook", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(list.out.find("whsec_"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find(secret1.substr(6)), std::string::npos);
    EXPECT_EQ(list.out.find(given.substr(6)), std::string::npos);
    EXPECT_NE(list.out.find("http://127.0.0.1:9/hook"), std::string::npos) << list.out;
    if (as_json) {
      const auto rows = json_lines(list.out);
      ASSERT_EQ(rows.size(), 2u);
      EXPECT_EQ(rows[0]["events"], json::array({"intent.succeeded", "payment.*"}));
      EXPECT_EQ(rows[0]["description"], "shop backend");
      EXPECT_EQ(rows[0]["secrets"].size(), 1u);
      EXPECT_FALSE(rows[0]["secrets"][0].contains("secret"));
    }
  }
}

TEST_F(WebhookCliTest, AddRefusesBadInput) {
  // The SSRF guard is on in the sample configuration.
  auto r = cli({"webhook", "add", "--url", "http://127.0.0.1:9/hook"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allow_private_destinations"), std::string::npos) << r.err;
  r = cli({"webhook", "add", "--url", "http://169.254.169.254/latest"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("metadata"), std::string::npos) << r.err;

  allow_private();
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string fragment;
  };
  const Case cases[] = {
      {{"--url", "ftp://127.0.0.1/x"}, 1, "webhook url"},
      {{"--url", "http://127.0.0.1:9/x", "--events", "intent.succeeded,,payment.*"},
       2,
       "--events: empty event type at position 17"},
      {{"--url", "http://127.0.0.1:9/x", "--events", "intent.paid"}, 1, "intent.paid"},
      {{"--url", "http://127.0.0.1:9/x", "--secret", "whsec_!!"}, 1, "secret"},
      {{"--url", "http://127.0.0.1:9/x", "--description", std::string(501, 'd')}, 1, "description"},
      {{"--events", "*"}, 2, "--url"},
  };
  for (const auto& tc : cases) {
    std::vector<std::string> args = {"webhook", "add"};
    args.insert(args.end(), tc.args.begin(), tc.args.end());
    r = cli(args);
    SCOPED_TRACE(tc.fragment);
    EXPECT_EQ(r.exit_code, tc.exit_code) << r.out << r.err;
    EXPECT_NE(r.err.find(tc.fragment), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("whsec_!!"), std::string::npos) << "a secret was echoed: " << r.err;
  }
  // Nothing was added by the failures.
  EXPECT_EQ(cli({"webhook", "list", "--json"}).out, "");
}

TEST_F(WebhookCliTest, DisableEnableAndRotate) {
  allow_private();
  const json e = add_endpoint({"--url", "http://127.0.0.1:9/hook"});
  const std::string id = e["id"];
  const std::string first = e["secret"];

  auto r = cli({"webhook", "disable", id, "--reason", "maintenance until 14:00", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["enabled"], false);
  EXPECT_EQ(j["disabled_reason"], "maintenance until 14:00");
  r = cli({"webhook", "list"});
  EXPECT_NE(r.out.find("disabled: maintenance until 14:00"), std::string::npos) << r.out;

  r = cli({"webhook", "enable", id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["disabled_reason"], "");

  r = cli({"webhook", "rotate-secret", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::size_t at = r.out.find("new secret: whsec_");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string second = r.out.substr(at + 12, r.out.find('\n', at) - at - 12);
  EXPECT_NE(second, first);
  EXPECT_TRUE(decode_webhook_secret(second).ok()) << second;
  EXPECT_NE(r.out.find("the new and the previous secret(s) until"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(first), std::string::npos) << "the old secret was printed";

  r = cli({"webhook", "rotate-secret", id, "--grace", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_NE(j["secret"], second);
  EXPECT_EQ(j["secrets"].size(), 1u) << j.dump();  // no grace: only the new one signs

  // An unknown id is named; a malformed one is refused saying what is wrong.
  const std::string unknown = "we_" + std::string(24, 'A');
  for (const std::string command : {"disable", "enable", "rotate-secret"}) {
    r = cli({"webhook", command, unknown});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.err.find(unknown), std::string::npos) << r.err;
    r = cli({"webhook", command, "we_short"});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.err.find("id: has 5 characters after \"we_\""), std::string::npos) << r.err;
  }
  EXPECT_EQ(cli({"webhook", "disable"}).exit_code, 2);
  EXPECT_EQ(cli({"webhook", "rotate-secret", id, "--grace", "-1"}).exit_code, 2);
}

// ---- verify

// The test vector of the Standard Webhooks specification (also what the
// standardwebhooks npm package signs for these inputs).
constexpr const char* kVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kVectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr const char* kVectorTimestamp = "1614265330";
constexpr const char* kVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr const char* kVectorBody = R"({"test": 2432232314})";

TEST_F(WebhookCliTest, VerifyAcceptsTheSpecVectorAndSaysWhyOtherwise) {
  const std::string body = dir_.file("body.json");
  write_file(body, kVectorBody);
  const auto verify = [&](std::vector<std::string> extra, const std::string& file,
                          const std::string& input = {}) {
    std::vector<std::string> args = {required_env("USD1PAY_CLI"), "webhook", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(file);
    return run_process(args, input);
  };
  const std::vector<std::string> good = {
      "--secret",       kVectorSecret, "--id",           kVectorId, "--timestamp",
      kVectorTimestamp, "--signature", kVectorSignature, "--now",   "1614265400"};
  auto r = verify(good, body);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("valid", 0), 0u) << r.out;
  r = verify(good, "-", kVectorBody);  // the body on stdin
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  auto with = [&](const std::string& option, const std::string& value) {
    std::vector<std::string> args = good;
    for (std::size_t i = 0; i < args.size(); i += 2) {
      if (args[i] == option) args[i + 1] = value;
    }
    return args;
  };
  struct Case {
    std::vector<std::string> args;
    std::string body;
    std::string fragment;
  };
  const Case cases[] = {
      {good, R"({"test": 2432232315})", "invalid: webhook: "},        // tampered body
      {good, std::string(kVectorBody) + "\n", "invalid: webhook: "},  // one byte more
      {with("--id", "msg_p5jXN8AQM9LWM0D4loKWxJel"), kVectorBody, "invalid: webhook: "},
      {with("--secret", "whsec_" + std::string("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")),
       kVectorBody, "invalid: webhook: "},
      {with("--timestamp", "1614265331"), kVectorBody, "invalid: webhook: "},
      {with("--now", "1614265330000"), kVectorBody, "timestamp"},  // far too old
      {with("--now", "1614264000"), kVectorBody, "timestamp"},     // from the future
      {with("--signature", "v1,!!!"), kVectorBody, "webhook-signature"},
      {with("--timestamp", "01614265330"), kVectorBody, "webhook-timestamp"},
      {with("--secret", "whsec_***"), kVectorBody, "secret"},
  };
  for (const auto& tc : cases) {
    write_file(body, tc.body);
    r = verify(tc.args, body);
    SCOPED_TRACE(tc.fragment);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(r.out.rfind("invalid: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(tc.fragment), std::string::npos) << r.out;
  }
  write_file(body, kVectorBody);

  // Old messages verify with a tolerance that covers them.
  std::vector<std::string> old = with("--now", "1614266330");  // 1000 s later
  r = verify(old, body);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  old.insert(old.end(), {"--tolerance", "1000"});
  r = verify(old, body);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Rotation: any one of several secrets.
  std::vector<std::string> rotated = {
      "--secret", "whsec_" + std::string("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")};
  rotated.insert(rotated.end(), good.begin(), good.end());
  r = verify(rotated, body);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // JSON output names the error code.
  write_file(body, "{}");
  std::vector<std::string> as_json = good;
  as_json.push_back("--json");
  r = verify(as_json, body);
  EXPECT_EQ(r.exit_code, 1);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["error_code"], "checksum_mismatch");

  // Usage errors: exit 2. A missing body file: 1, naming it.
  r = verify({"--id", kVectorId, "--timestamp", kVectorTimestamp, "--signature", kVectorSignature},
             body);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--secret"), std::string::npos) << r.err;
  r = verify(good, dir_.file("missing.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
}

// ---- watch delivers; deliveries, dead letters, replay

TEST_F(WebhookCliTest, WatchDeliversSignedEventsAndTheLogShowsEveryAttempt) {
  Receiver receiver;
  auto secret = generate_webhook_secret();
  ASSERT_TRUE(secret.ok());
  receiver.set_secret(*secret);
  doc_["webhooks"] = json::array({json{{"url", receiver.url()},
                                       {"secret", *secret},
                                       {"events", {"intent.*"}},
                                       {"description", "from the config"}}});
  // Fast retries for the test: one retry after 1 s, then dead-lettered.
  doc_["webhook_delivery"]["retry_schedule"] = {1};
  doc_["webhook_delivery"]["jitter"] = 0;
  doc_["webhook_delivery"]["connect_timeout_ms"] = 1000;
  doc_["webhook_delivery"]["request_timeout_ms"] = 2000;
  doc_["webhook_delivery"]["lease_ms"] = 10000;
  allow_private();

  // The first watch syncs the config endpoint; it receives what happens next.
  auto r = cli({"watch", "--once"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = json_lines(cli({"webhook", "list", "--json"}).out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["source"], "config");
  EXPECT_EQ(list[0]["description"], "from the config");
  const std::string endpoint = list[0]["id"];
  // A second sync changes nothing.
  ASSERT_EQ(cli({"watch", "--once"}).exit_code, 0);
  ASSERT_EQ(json_lines(cli({"webhook", "list", "--json"}).out).size(), 1u);

  const std::string pi1 = create_intent("order-1");
  r = cli({"watch", "--once"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = json_lines(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["webhooks"]["succeeded"], 1) << r.out;

  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].verified);
  const json body = json::parse(got[0].body);
  const auto events = events_of(pi1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(body["id"], events[0]["id"]);
  EXPECT_EQ(body["type"], "intent.created");
  EXPECT_EQ(body["data"]["intent"]["id"], pi1);

  auto rows = deliveries({"--event", events[0]["id"]});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["id"], got[0].id);  // the webhook-id is the delivery id
  EXPECT_EQ(rows[0]["status"], "succeeded");
  EXPECT_EQ(rows[0]["endpoint_id"], endpoint);
  ASSERT_EQ(rows[0]["attempts"].size(), 1u);
  EXPECT_EQ(rows[0]["attempts"][0]["http_status"], 204);
  EXPECT_EQ(rows[0]["attempts"][0]["outcome"], "succeeded");

  // The receiver fails: the attempt is recorded, retried after 1 s, then
  // dead-lettered.
  receiver.set_status(500);
  const std::string pi2 = create_intent("order-2");
  const std::string evt2 = events_of(pi2)[0]["id"];
  ASSERT_EQ(cli({"watch", "--once"}).exit_code, 0);
  rows = deliveries({"--event", evt2});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "pending");
  ASSERT_EQ(rows[0]["attempts"].size(), 1u);
  EXPECT_EQ(rows[0]["attempts"][0]["http_status"], 500);
  EXPECT_EQ(rows[0]["attempts"][0]["outcome"], "retry");
  EXPECT_TRUE(deliveries({"--failed"}).empty());

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_EQ(cli({"watch", "--once"}).exit_code, 0);
    rows = deliveries({"--event", evt2});
    if (rows.size() == 1 && rows[0]["status"] != "pending") break;
  }
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "failed");
  EXPECT_EQ(rows[0]["attempts"].size(), 2u);
  const auto failed = deliveries({"--failed"});
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["event_id"], evt2);
  const auto text = cli({"webhook", "deliveries", "--failed"});
  EXPECT_NE(text.out.find(std::string(failed[0]["id"]) + "  failed  " + evt2), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  #2 "), std::string::npos) << text.out;

  // Every attempt the log shows reached the receiver, with the same id.
  got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].id, failed[0]["id"]);
  EXPECT_EQ(got[2].id, failed[0]["id"]);

  // Replay revives it: the same webhook-id, delivered once the receiver is back.
  receiver.set_status(200);
  r = cli({"webhook", "replay", evt2});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(std::string(failed[0]["id"])), std::string::npos) << r.out;
  ASSERT_EQ(cli({"watch", "--once"}).exit_code, 0);
  rows = deliveries({"--event", evt2});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "succeeded");
  EXPECT_EQ(rows[0]["attempts"].size(), 3u);
  got = receiver.requests();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3].id, failed[0]["id"]);
  EXPECT_EQ(got[3].body, got[1].body);  // the same bytes every time
  for (const auto& g : got) EXPECT_TRUE(g.verified) << g.id;

  // Replay errors name what is unknown.
  const std::string unknown_event = "evt_" + std::string(24, 'A');
  const std::string unknown_endpoint = "we_" + std::string(24, 'A');
  r = cli({"webhook", "replay", unknown_event});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(unknown_event), std::string::npos) << r.err;
  r = cli({"webhook", "replay", evt2, "--endpoint", unknown_endpoint});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(unknown_endpoint), std::string::npos) << r.err;
}

TEST_F(WebhookCliTest, WatchRefusesAConfigEndpointTheGuardRefuses) {
  doc_["webhooks"] = json::array({json{{"url", "http://127.0.0.1:9/hook"}}});
  write_config();
  const auto r = cli({"watch", "--once"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("allow_private_destinations"), std::string::npos) << r.err;
}

// Starts the CLI without waiting for it; stdout and stderr go to files.
pid_t spawn(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Waits up to `limit` for the process; its exit code, or -1 when it did not end.
int wait_for(pid_t pid, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

TEST_F(WebhookCliTest, WatchFollowDeliversWhileRunningAndStopsCleanlyOnSignals) {
  Receiver receiver;
  auto secret = generate_webhook_secret();
  ASSERT_TRUE(secret.ok());
  receiver.set_secret(*secret);
  doc_["webhooks"] = json::array({json{{"url", receiver.url()}, {"secret", *secret}}});
  allow_private();

  int order = 0;
  for (const int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    const std::string out = dir_.file("watch.out");
    const std::string err = dir_.file("watch.err");
    const pid_t pid = spawn({required_env("USD1PAY_CLI"), "watch", "--follow", "--interval-ms",
                             "100", "--config", config_},
                            out, err);
    ASSERT_GT(pid, 0);
    // The endpoint exists once the watcher synced it (the first run only);
    // events from then on are delivered while it runs.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline &&
           cli({"webhook", "list", "--json"}).out.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::size_t before = receiver.requests().size();
    const std::string pi = create_intent("order-follow-" + std::to_string(order++));
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline && receiver.requests().size() == before) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto got = receiver.requests();
    ASSERT_EQ(got.size(), before + 1) << read_file(err);
    EXPECT_TRUE(got.back().verified);
    EXPECT_EQ(json::parse(got.back().body)["data"]["intent"]["id"], pi);

    ASSERT_EQ(kill(pid, sig), 0);
    EXPECT_EQ(wait_for(pid, std::chrono::seconds(30)), 0) << read_file(err);
    EXPECT_NE(read_file(err).find("usd1pay: stopped"), std::string::npos) << read_file(err);
    // The last line is the dispatcher's final figures.
    const auto lines = json_lines(read_file(out));
    ASSERT_FALSE(lines.empty());
    EXPECT_TRUE(lines.back().contains("webhooks")) << read_file(out);
    EXPECT_GE(lines.back()["webhooks"]["succeeded"], 1);
  }
}

}  // namespace
}  // namespace usd1pay
