// recon: the export pipeline's parts (private): a bounded channel between two
// threads, and a stream of keyset pages read ahead on a thread of its own.
//
// The reconciler (matching, formatting, every host callback) stays on the
// calling thread; what moves to other threads is reading store pages (the
// Store is safe for many threads) and, in export_settlement, hashing and
// writing the output file. Every hand-over goes through a Channel (a mutex
// and two condition variables): what one thread put in, the other sees
// complete. Memory stays bounded: a Channel holds at most `capacity` items,
// and a stream's pages circulate (consumer -> free list -> reader) instead
// of piling up.
//
// Stopping: a stage that fails passes its Status down the channel in order
// (the consumer sees every page before the error); a consumer that stops
// early (its own error, a sink's error) destroys the stream, which cancels
// the channel (the reader's next push returns false) and joins the thread.
// No thread outlives the object that started it.
#ifndef USD1PAY_SDK_RECON_PIPELINE_H
#define USD1PAY_SDK_RECON_PIPELINE_H

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "usd1pay/status.h"
#include "usd1pay/store.h"

namespace usd1pay::recon_internal {

/// How an export runs. The defaults are the production figures; tests shrink
/// them (a page of 1 row, a channel of 1) to make every hand-over happen
/// often.
struct PipelineOptions {
  /// false: everything on the calling thread (the reference the pipelined
  /// export is compared with).
  bool threads = true;
  /// Rows per keyset page of the store scans.
  std::size_t page_rows = 1000;
  /// Pages a reader thread may hold ready beyond the one being matched.
  std::size_t read_ahead = 4;
  /// Output chunks queued for the writer thread.
  std::size_t write_queue = 8;
  /// Bytes per output chunk (the writers flush at this size).
  std::size_t chunk_bytes = std::size_t{256} * 1024;
};

/// A bounded FIFO between one producer and one consumer thread.
template <typename T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Blocks while full. false when the channel was cancelled (the item is
  /// dropped).
  bool push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || items_.size() < capacity_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  /// Blocks while empty and open. false at the end (closed and drained) or
  /// when cancelled.
  bool pop(T* out) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return cancelled_ || closed_ || !items_.empty(); });
    if (cancelled_ || items_.empty()) return false;
    *out = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return true;
  }

  /// The producer is done: pop() returns false once the items are taken.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

  /// Either side gives up: both wake, pending items are dropped.
  void cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      items_.clear();
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  bool cancelled_ = false;
};

/// Starts `body` on a new thread; false (nothing started) when the system
/// refuses a thread: the caller then does the work itself.
template <typename Body>
bool start_thread(std::thread* t, Body&& body) {
  try {
    *t = std::thread(std::forward<Body>(body));
    return true;
  } catch (const std::system_error&) {
    return false;
  }
}

/// The keyset pages of one scan, in order. `Pager` reads one page on any
/// thread:
///   using Row = ...;
///   Result<std::vector<Row>> next(Store&, std::vector<Row>* recycle);
///   bool done() const;  // the last page was read
/// The first page is read on the calling thread; when it is full (more may
/// follow) and threads are allowed, a reader thread reads the rest ahead.
/// An export of one page never starts a thread.
template <typename Pager>
class PageStream {
 public:
  using Row = typename Pager::Row;

  PageStream(Store& store, Pager pager, const PipelineOptions& o)
      : store_(store), pager_(std::move(pager)), threads_(o.threads), ready_(o.read_ahead) {}
  ~PageStream() { stop(); }
  PageStream(const PageStream&) = delete;
  PageStream& operator=(const PageStream&) = delete;

  /// The next page into *page (its old rows are handed back to be
  /// overwritten). false at the end; an error of the store ends the stream.
  Result<bool> next(std::vector<Row>* page) {
    if (ended_) return false;
    if (!reader_.joinable()) {
      if (pager_.done()) {
        ended_ = true;
        return false;
      }
      auto got = pager_.next(store_, page);
      if (!got.ok()) {
        ended_ = true;
        return got.status();
      }
      *page = std::move(got).value();
      // Full first page: read the rest ahead (the page just read stays
      // with the caller; the reader starts after it).
      if (threads_ && !pager_.done()) {
        if (!start_thread(&reader_, [this] { read_ahead(); })) threads_ = false;
      }
      return true;
    }
    give_back(page);
    Item item;
    if (!ready_.pop(&item)) {
      ended_ = true;
      return false;
    }
    if (!item.status.ok()) {
      ended_ = true;
      return item.status;
    }
    *page = std::move(item.rows);
    return true;
  }

 private:
  struct Item {
    std::vector<Row> rows;
    Status status;
  };

  void read_ahead() {
    for (;;) {
      std::vector<Row> spare = take_spare();
      auto got = pager_.next(store_, &spare);
      const bool last = !got.ok() || pager_.done();
      Item item;
      if (got.ok()) {
        item.rows = std::move(got).value();
      } else {
        item.status = got.status();
      }
      if (!ready_.push(std::move(item))) return;  // the consumer stopped
      if (last) {
        ready_.close();
        return;
      }
    }
  }

  /// A spent page's rows, for the reader to overwrite (kept only up to the
  /// pages in circulation: the rest are freed).
  void give_back(std::vector<Row>* page) {
    if (page->empty()) return;
    std::vector<Row> rows;
    rows.swap(*page);
    std::lock_guard<std::mutex> lock(spare_mu_);
    if (spare_.size() < 2) spare_.push_back(std::move(rows));
  }

  std::vector<Row> take_spare() {
    std::lock_guard<std::mutex> lock(spare_mu_);
    if (spare_.empty()) return {};
    std::vector<Row> rows = std::move(spare_.back());
    spare_.pop_back();
    return rows;
  }

  void stop() {
    if (!reader_.joinable()) return;
    ready_.cancel();
    reader_.join();
  }

  Store& store_;
  Pager pager_;  ///< used by one thread at a time: the caller, then the reader
  bool threads_;
  bool ended_ = false;
  Channel<Item> ready_;
  std::mutex spare_mu_;
  std::vector<std::vector<Row>> spare_;
  std::thread reader_;  // last: joined before the members it uses go
};

}  // namespace usd1pay::recon_internal

#endif  // USD1PAY_SDK_RECON_PIPELINE_H
