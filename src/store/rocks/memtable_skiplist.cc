#include "store/rocks/memtable_skiplist.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace parley::store {
namespace {

using rocksdb::KeyHandle;
using rocksdb::MemTableRep;
using rocksdb::Slice;

constexpr int kMaxHeight = 12;
constexpr unsigned kBranching = 4;  // a node reaches level i+1 with probability 1/4
// Steps a level's walk from a prefix's last insert may take before the
// search starts from the top instead (SkipList::Link).
constexpr int kMaxWalk = 8;

// A node: its header, `height` links, then the memtable entry (length-prefixed
// internal key and value) that RocksDB writes into it. Lives in the memtable's
// arena, like every entry, and dies with it.
class Node {
 public:
  static std::size_t BytesFor(int height, std::size_t entry_len) {
    return sizeof(Node) + sizeof(Link) * static_cast<std::size_t>(height) + entry_len;
  }
  static Node* Construct(void* memory, int height) {
    Node* node = new (memory) Node(height);
    for (int i = 0; i < height; ++i) new (&node->links()[i]) Link(nullptr);
    return node;
  }

  int height() const { return height_; }
  const char* Entry() const { return reinterpret_cast<const char*>(links() + height_); }
  char* Entry() { return reinterpret_cast<char*>(links() + height_); }

  Node* Next(int level) const { return links()[level].load(std::memory_order_acquire); }
  // Only the writer reads its own latest stores without ordering.
  Node* NextRelaxed(int level) const { return links()[level].load(std::memory_order_relaxed); }
  void SetNextRelaxed(int level, Node* next) {
    links()[level].store(next, std::memory_order_relaxed);
  }
  // Publishes a node whose own links are already set.
  void Publish(int level, Node* next) { links()[level].store(next, std::memory_order_release); }

 private:
  using Link = std::atomic<Node*>;
  explicit Node(int height) : height_(height) {}
  Link* links() { return reinterpret_cast<Link*>(this + 1); }
  const Link* links() const { return reinterpret_cast<const Link*>(this + 1); }

  alignas(Link) std::int32_t height_;
};

class SkipList final : public MemTableRep {
 public:
  SkipList(const KeyComparator& compare, rocksdb::Allocator* allocator)
      : MemTableRep(allocator),
        compare_(compare),
        head_(Node::Construct(AllocateAligned(Node::BytesFor(kMaxHeight, 0)), kMaxHeight)),
        unhinted_(head_) {}

  KeyHandle Allocate(const std::size_t len, char** buf) override {
    const int height = RandomHeight();
    Node* node = Node::Construct(AllocateAligned(Node::BytesFor(height, len)), height);
    *buf = node->Entry();
    return node;
  }

  // Without a hint, the previous insert serves as one: replaying a WAL or
  // a batch of one prefix is sequential too.
  void Insert(KeyHandle handle) override { Link(static_cast<Node*>(handle), unhinted_); }

  // RocksDB keeps one hint slot per key prefix, null at first; ours holds
  // that prefix's Finger, allocated in the arena on its first insert.
  void InsertWithHint(KeyHandle handle, void** hint) override {
    if (*hint == nullptr) *hint = NewFinger();
    Link(static_cast<Node*>(handle), *static_cast<Finger*>(*hint));
  }

  bool Contains(const char* entry) const override {
    const Node* node = FindGreaterOrEqual(entry);
    return node != nullptr && compare_(node->Entry(), entry) == 0;
  }

  // Everything is in the arena, which RocksDB already counts.
  std::size_t ApproximateMemoryUsage() override { return 0; }

  Iterator* GetIterator(rocksdb::Arena* arena) override;

  // A point lookup. RocksDB's default, which this calls, asks GetIterator
  // for an iterator and never deletes it: 32 bytes leaked per lookup that
  // reached a memtable (ASan found it; the embedded soak saw RSS climb).
  // So the iterator it gets comes from this thread's pool and goes back
  // when the lookup ends. (LookupKey, which a lookup of our own would need,
  // is not in RocksDB's installed headers.)
  void Get(const rocksdb::LookupKey& key, void* callback_args,
           bool (*callback)(void* arg, const char* entry)) override;

  // Iterator support (any thread).
  Node* First() const { return head_->Next(0); }
  Node* Last() const {
    const Node* node = head_;
    for (int level = max_height_.load(std::memory_order_relaxed) - 1; level >= 0; --level) {
      for (Node* next = node->Next(level); next != nullptr; next = node->Next(level)) node = next;
    }
    return node == head_ ? nullptr : const_cast<Node*>(node);
  }
  // The first node at or after `target` (a length-prefixed entry, or an
  // internal key as a Slice); nullptr if none.
  template <class Target>
  Node* FindGreaterOrEqual(const Target& target) const {
    return LastBefore(target)->Next(0);
  }
  // The last node before `entry`; nullptr if none.
  Node* FindLessThan(const char* entry) const {
    Node* node = LastBefore(entry);
    return node == head_ ? nullptr : node;
  }
  int Compare(const char* entry, const Slice& internal_key) const {
    return compare_(entry, internal_key);
  }

 private:
  // The last node before `target`, or head_: the search from the top.
  template <class Target>
  Node* LastBefore(const Target& target) const {
    Node* node = head_;
    for (int level = max_height_.load(std::memory_order_relaxed) - 1; level >= 0; --level) {
      for (Node* next = node->Next(level); next != nullptr && compare_(next->Entry(), target) < 0;
           next = node->Next(level)) {
        node = next;
      }
    }
    return node;
  }

  // Arena memory aligned for a node (MemTableRep only exposes unaligned
  // allocation).
  void* AllocateAligned(std::size_t bytes) {
    char* raw = nullptr;
    MemTableRep::Allocate(bytes + alignof(Node) - 1, &raw);
    const auto address = reinterpret_cast<std::uintptr_t>(raw);
    return raw + ((alignof(Node) - address % alignof(Node)) % alignof(Node));
  }

  int RandomHeight() {
    // xorshift64: the writer is the only caller.
    int height = 1;
    for (;;) {
      random_ ^= random_ << 13;
      random_ ^= random_ >> 7;
      random_ ^= random_ << 17;
      if (height == kMaxHeight || random_ % kBranching != 0) return height;
      ++height;
    }
  }

  // Where the last insert of a prefix went: the node and a node on every
  // level before it (its predecessors when it went in, head_ where nothing
  // better is known). Nodes are never removed, so each stays a valid place
  // to start walking its level from, for any entry that sorts after it.
  struct Finger {
    explicit Finger(Node* head) { std::fill(before, before + kMaxHeight, head); }
    Node* last = nullptr;
    Node* before[kMaxHeight];
  };

  Finger* NewFinger() { return new (AllocateAligned(sizeof(Finger))) Finger(head_); }

  // Links `node` in, walking each of its levels from where the prefix's
  // previous insert went (the finger), and moves the finger to `node`.
  //
  // The store's writes land next to that previous insert: a conversation's
  // next seq or a user's next inbox run right after it; a key written again
  // (user_conv) right before it, since RocksDB orders a newer version of a
  // key first. Either way each level takes a comparison or two on nodes just
  // touched, where a search from the top reads a dozen cold ones (the largest
  // cost of a write batch before). A walk that runs long (an insert far from
  // the last one, or another prefix's keys grown in between) gives up and
  // the search starts from the top: never slower than that by more than
  // kMaxWalk steps a level.
  void Link(Node* node, Finger& finger) {
    const char* entry = node->Entry();
    const int height = node->height();
    // start[level]: a node on that level before `entry`.
    Node* start[kMaxHeight];
    bool near = false;
    if (finger.last != nullptr && compare_(finger.last->Entry(), entry) < 0) {
      const int last_height = finger.last->height();
      std::fill(start, start + last_height, finger.last);
      std::copy(finger.before + last_height, finger.before + kMaxHeight, start + last_height);
      near = true;
    } else if (finger.last != nullptr &&
               (finger.before[0] == head_ || compare_(finger.before[0]->Entry(), entry) < 0)) {
      // Every before[level] is at or before before[0], so before `entry` too.
      std::copy(finger.before, finger.before + kMaxHeight, start);
      near = true;
    }
    Node* prev[kMaxHeight];
    for (int level = 0; near && level < height; ++level) {
      near = WalkBefore(start[level], entry, level, kMaxWalk, &prev[level]);
    }
    if (!near) {
      // From the top; every level's predecessor becomes the finger's.
      Node* before = head_;
      const int top = std::max(max_height_.load(std::memory_order_relaxed), height);
      std::fill(start + top, start + kMaxHeight, head_);
      for (int level = top - 1; level >= 0; --level) {
        WalkBefore(before, entry, level, std::numeric_limits<int>::max(), &before);
        start[level] = before;
      }
      std::copy(start, start + height, prev);
    }
    for (int level = 0; level < height; ++level) {
      node->SetNextRelaxed(level, prev[level]->NextRelaxed(level));
      prev[level]->Publish(level, node);
    }
    // A reader that sees the new height before the links finds nullptr in the
    // head's new levels and drops to the next level down: still correct.
    if (height > max_height_.load(std::memory_order_relaxed)) {
      max_height_.store(height, std::memory_order_relaxed);
    }
    // Above its height, the new finger keeps the starts: each before
    // `entry`, so at or before prev[0], which every later use relies on.
    finger.last = node;
    std::copy(prev, prev + height, finger.before);
    std::copy(start + height, start + kMaxHeight, finger.before + height);
  }

  // Walks `level` right from `node` (on that level, before `entry`) to the
  // last node before `entry`, into *found; false if that takes more than
  // `max_steps` steps. Only the writer calls this.
  bool WalkBefore(Node* node, const char* entry, int level, int max_steps, Node** found) const {
    for (Node* next = node->NextRelaxed(level);
         next != nullptr && compare_(next->Entry(), entry) < 0; next = node->NextRelaxed(level)) {
      if (max_steps-- == 0) return false;
      node = next;
    }
    *found = node;
    return true;
  }

  const KeyComparator& compare_;
  Node* head_ = nullptr;
  std::atomic<int> max_height_{1};
  Finger unhinted_;  // the hint of inserts that come without one
  std::uint64_t random_ = 0x9E3779B97F4A7C15ull;
};

// Storage for the iterators RocksDB asks for "in its arena": it only runs
// their destructor, never frees them. The public API has no way to allocate
// from that arena, so each thread keeps the blocks of the iterators it
// destroyed and hands them out again: a block is reused only on the thread
// whose destructor call has returned. At most as many blocks as a thread
// ever had iterators alive at once.
class IteratorBlocks {
 public:
  ~IteratorBlocks() {
    for (void* block : free_) ::operator delete(block);
    gone = true;
  }
  void* Take(std::size_t bytes) {
    if (free_.empty()) return ::operator new(bytes);
    void* block = free_.back();
    free_.pop_back();
    return block;
  }
  void Give(void* block) {
    if (gone) return;  // a destructor that runs after this thread's exit: leave the block
    free_.push_back(block);
  }

  static thread_local bool gone;

 private:
  std::vector<void*> free_;
};
thread_local bool IteratorBlocks::gone = false;
thread_local IteratorBlocks iterator_blocks;

class SkipListIterator final : public MemTableRep::Iterator {
 public:
  SkipListIterator(const SkipList& list, bool in_block) : list_(list), in_block_(in_block) {}
  ~SkipListIterator() override {
    if (in_block_) iterator_blocks.Give(this);
  }

  bool Valid() const override { return node_ != nullptr; }
  const char* key() const override { return node_->Entry(); }
  void Next() override { node_ = node_->Next(0); }
  void Prev() override { node_ = list_.FindLessThan(node_->Entry()); }
  void Seek(const Slice& internal_key, const char* entry) override {
    node_ =
        entry != nullptr ? list_.FindGreaterOrEqual(entry) : list_.FindGreaterOrEqual(internal_key);
  }
  void SeekForPrev(const Slice& internal_key, const char* entry) override {
    Seek(internal_key, entry);
    if (!Valid()) SeekToLast();
    while (Valid() && list_.Compare(node_->Entry(), internal_key) > 0) Prev();
  }
  void SeekToFirst() override { node_ = list_.First(); }
  void SeekToLast() override { node_ = list_.Last(); }

 private:
  const SkipList& list_;
  const bool in_block_;
  Node* node_ = nullptr;
};

// The iterator RocksDB's default Get asked for on this thread, if inside one.
thread_local MemTableRep::Iterator* lookup_iterator = nullptr;
thread_local bool in_lookup = false;

void SkipList::Get(const rocksdb::LookupKey& key, void* callback_args,
                   bool (*callback)(void* arg, const char* entry)) {
  in_lookup = true;
  MemTableRep::Get(key, callback_args, callback);
  in_lookup = false;
  if (lookup_iterator != nullptr) {
    lookup_iterator->~Iterator();  // gives its block back to the pool
    lookup_iterator = nullptr;
  }
}

MemTableRep::Iterator* SkipList::GetIterator(rocksdb::Arena* arena) {
  if (in_lookup && lookup_iterator == nullptr) {  // see Get
    lookup_iterator =
        new (iterator_blocks.Take(sizeof(SkipListIterator))) SkipListIterator(*this, true);
    return lookup_iterator;
  }
  if (arena == nullptr) return new SkipListIterator(*this, false);  // the caller deletes it
  return new (iterator_blocks.Take(sizeof(SkipListIterator))) SkipListIterator(*this, true);
}

}  // namespace

rocksdb::MemTableRep* SkipListMemTableFactory::CreateMemTableRep(
    const rocksdb::MemTableRep::KeyComparator& compare, rocksdb::Allocator* allocator,
    const rocksdb::SliceTransform*, rocksdb::Logger*) {
  return new SkipList(compare, allocator);
}

}  // namespace parley::store
