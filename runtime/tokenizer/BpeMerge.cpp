// Heap-driven BPE merge loop (see BpeMerge.h).
#include "runtime/tokenizer/BpeMerge.h"

#include <queue>

namespace llmc {

namespace {

/// A symbol of the word being merged, linked to its live neighbours.
struct Node {
  int32_t id;
  int32_t prev; // index of the previous live node, -1 at the start
  int32_t next; // index of the next live node, -1 at the end
  bool alive;
};

/// A candidate merge of nodes `left` and `right` as they were when queued. It
/// goes stale when either node merges with another neighbour; stale entries are
/// recognised when popped instead of being removed from the heap.
struct Candidate {
  double priority;
  int32_t left, right;
  int32_t leftId, rightId, mergedId;
};

/// Orders the heap so that the top is the lowest priority, then the leftmost.
struct WorseCandidate {
  bool operator()(const Candidate &a, const Candidate &b) const {
    if (a.priority != b.priority)
      return a.priority > b.priority;
    return a.left > b.left;
  }
};

} // namespace

void applyBpeMerges(std::vector<int32_t> &symbols,
                    const BpeMergeLookup &lookup) {
  if (symbols.size() < 2)
    return;
  const int32_t n = static_cast<int32_t>(symbols.size());
  std::vector<Node> nodes(n);
  for (int32_t i = 0; i < n; ++i)
    nodes[i] = {symbols[i], i - 1, i + 1 < n ? i + 1 : -1, true};

  std::priority_queue<Candidate, std::vector<Candidate>, WorseCandidate> heap;
  auto queuePair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0)
      return;
    std::optional<BpeMerge> merge = lookup(nodes[left].id, nodes[right].id);
    if (merge)
      heap.push({merge->priority, left, right, nodes[left].id, nodes[right].id,
                 merge->id});
  };
  for (int32_t i = 0; i + 1 < n; ++i)
    queuePair(i, i + 1);

  while (!heap.empty()) {
    Candidate top = heap.top();
    heap.pop();
    Node &left = nodes[top.left];
    Node &right = nodes[top.right];
    // Node indices keep their left-to-right order, so the index of the left
    // node doubles as the position used to break ties.
    if (!left.alive || !right.alive || left.next != top.right ||
        left.id != top.leftId || right.id != top.rightId)
      continue;
    left.id = top.mergedId;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0)
      nodes[right.next].prev = top.left;
    queuePair(left.prev, top.left);
    queuePair(top.left, left.next);
  }

  symbols.clear();
  for (int32_t i = 0; i >= 0; i = nodes[i].next)
    symbols.push_back(nodes[i].id);
}

} // namespace llmc
