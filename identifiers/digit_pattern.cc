#include "identifiers/digit_pattern.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace consentd::identifiers {
namespace {

constexpr uint16_t kAllDigits = (1u << 10) - 1;
// What a state accepts (DigitPattern::accepts_).
constexpr uint8_t kAcceptsHere = 1;   // whatever follows
constexpr uint8_t kAcceptsAtEnd = 2;  // if the text ends here
constexpr int kMaxRepeat = 1000;      // RE2's bound on {n,m}
// Bounds the automaton built from nested repetitions before the subset
// construction sees it.
constexpr size_t kMaxNfaNodes = 1 << 20;

struct Ast {
  enum class Kind { kDigits, kEnd, kConcat, kAlternation, kRepeat };
  Kind kind = Kind::kConcat;
  uint16_t digits = 0;   // kDigits: bit d for digit d
  int min = 0, max = 0;  // kRepeat; max -1 is unbounded
  std::vector<Ast> children;

  static Ast Of(Kind kind) {
    Ast ast;
    ast.kind = kind;
    return ast;
  }
  static Ast Digits(uint16_t digits) {
    Ast ast = Of(Kind::kDigits);
    ast.digits = digits;
    return ast;
  }
};

// Recursive descent over the pattern; the first error stops it.
class Parser {
 public:
  explicit Parser(absl::string_view pattern) : text_(pattern) {}

  absl::StatusOr<Ast> Parse() {
    Ast ast = Alternation();
    if (error_.empty() && pos_ < text_.size()) Fail("unbalanced ')'");
    if (!error_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("digit pattern, at offset ", pos_, ": ", error_));
    }
    return ast;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void Fail(absl::string_view why) {
    if (error_.empty()) error_ = std::string(why);
  }

  Ast Alternation() {
    Ast alternation = Ast::Of(Ast::Kind::kAlternation);
    alternation.children.push_back(Concatenation());
    while (error_.empty() && Peek() == '|') {
      ++pos_;
      alternation.children.push_back(Concatenation());
    }
    if (alternation.children.size() == 1) {
      return std::move(alternation.children.front());
    }
    return alternation;
  }

  Ast Concatenation() {
    Ast concatenation = Ast::Of(Ast::Kind::kConcat);
    while (error_.empty() && !AtEnd() && Peek() != '|' && Peek() != ')') {
      Ast atom = Atom();
      if (!error_.empty()) break;
      concatenation.children.push_back(Quantified(std::move(atom)));
    }
    return concatenation;
  }

  Ast Atom() {
    const char c = text_[pos_++];
    if (c >= '0' && c <= '9') {
      return Ast::Digits(static_cast<uint16_t>(1u << (c - '0')));
    }
    switch (c) {
      case '\\':
        if (Peek() != 'd') {
          Fail("only the escape \\d is supported");
          return {};
        }
        ++pos_;
        return Ast::Digits(kAllDigits);
      case '[':
        return Class();
      case '(': {
        if (text_.substr(pos_, 2) == "?:") pos_ += 2;
        Ast group = Alternation();
        if (Peek() != ')') {
          Fail("missing ')'");
          return {};
        }
        ++pos_;
        return group;
      }
      case '$':
        return Ast::Of(Ast::Kind::kEnd);
      default:
        --pos_;
        Fail(absl::StrCat("unsupported character '", std::string(1, c), "'"));
        return {};
    }
  }

  // After '['.
  Ast Class() {
    uint16_t digits = 0;
    while (error_.empty() && Peek() != ']') {
      if (AtEnd()) {
        Fail("missing ']'");
        break;
      }
      const char c = text_[pos_++];
      if (c == '\\' && Peek() == 'd') {
        ++pos_;
        digits = kAllDigits;
        continue;
      }
      if (c < '0' || c > '9') {
        --pos_;
        Fail("a class may hold only digits, ranges of digits and \\d");
        break;
      }
      char last = c;
      if (Peek() == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
        last = text_[pos_ + 1];
        pos_ += 2;
        if (last < c || last > '9') {
          Fail("bad range in a class");
          break;
        }
      }
      for (char d = c; d <= last; ++d) digits |= 1u << (d - '0');
    }
    if (error_.empty() && digits == 0) Fail("empty class");
    ++pos_;  // ']'
    return Ast::Digits(digits);
  }

  // `atom` with the quantifier that follows it, if any.
  Ast Quantified(Ast atom) {
    int min = 0, max = 0;
    switch (Peek()) {
      case '?':
        min = 0, max = 1;
        break;
      case '*':
        min = 0, max = -1;
        break;
      case '+':
        min = 1, max = -1;
        break;
      case '{':
        if (!Counts(min, max)) return atom;
        break;
      default:
        return atom;
    }
    ++pos_;  // the operator, or the '}' that ends the counts
    // A '?' after a quantifier makes it lazy, which changes no match.
    if (Peek() == '?') ++pos_;
    if (Peek() == '?' || Peek() == '*' || Peek() == '+' || Peek() == '{') {
      Fail("bad repetition operator");
    }
    Ast repeat = Ast::Of(Ast::Kind::kRepeat);
    repeat.min = min;
    repeat.max = max;
    repeat.children.push_back(std::move(atom));
    return repeat;
  }

  // At '{': reads "{n}", "{n,}" or "{n,m}" up to, not past, its '}'.
  bool Counts(int& min, int& max) {
    size_t at = pos_ + 1;
    auto number = [&](int& out) {
      const size_t begin = at;
      out = 0;
      while (at < text_.size() && text_[at] >= '0' && text_[at] <= '9' &&
             at - begin < 5) {
        out = out * 10 + (text_[at++] - '0');
      }
      return at > begin;
    };
    if (!number(min)) {
      Fail("bad repetition count");
      return false;
    }
    max = min;
    if (at < text_.size() && text_[at] == ',') {
      ++at;
      if (!number(max)) max = -1;
    }
    if (at >= text_.size() || text_[at] != '}' || min > kMaxRepeat ||
        max > kMaxRepeat || (max != -1 && max < min)) {
      Fail("bad repetition count");
      return false;
    }
    pos_ = at;
    return true;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

// A Thompson automaton: node 0 is the match; a node either reads one of
// `digits` and goes to `next`, asserts the end of text (`end`) and goes on
// through `epsilons`, or just goes on through `epsilons`.
struct NfaNode {
  uint16_t digits = 0;
  int32_t next = -1;
  bool end = false;
  std::vector<int32_t> epsilons;

  static NfaNode Reading(uint16_t digits, int32_t next) {
    NfaNode node;
    node.digits = digits;
    node.next = next;
    return node;
  }
  static NfaNode Split(std::vector<int32_t> epsilons) {
    NfaNode node;
    node.epsilons = std::move(epsilons);
    return node;
  }
  static NfaNode EndOfText(int32_t next) {
    NfaNode node = Split({next});
    node.end = true;
    return node;
  }
};

class NfaBuilder {
 public:
  NfaBuilder() { nodes_.emplace_back(); }

  // Builds `ast` so that it continues to node `target`; returns its start,
  // or -1 when the automaton grows past kMaxNfaNodes.
  int32_t Build(const Ast& ast, int32_t target) {
    if (target < 0 || nodes_.size() > kMaxNfaNodes) return -1;
    switch (ast.kind) {
      case Ast::Kind::kDigits:
        return Add(NfaNode::Reading(ast.digits, target));
      case Ast::Kind::kEnd:
        return Add(NfaNode::EndOfText(target));
      case Ast::Kind::kConcat:
        for (auto it = ast.children.rbegin(); it != ast.children.rend(); ++it) {
          target = Build(*it, target);
        }
        return target;
      case Ast::Kind::kAlternation: {
        NfaNode split;
        for (const Ast& child : ast.children) {
          split.epsilons.push_back(Build(child, target));
          if (split.epsilons.back() < 0) return -1;
        }
        return Add(std::move(split));
      }
      case Ast::Kind::kRepeat:
        return Repeat(ast.children.front(), ast.min, ast.max, target);
    }
    return -1;
  }

  std::vector<NfaNode> Take() { return std::move(nodes_); }

 private:
  int32_t Add(NfaNode node) {
    nodes_.push_back(std::move(node));
    return static_cast<int32_t>(nodes_.size() - 1);
  }

  int32_t Repeat(const Ast& child, int min, int max, int32_t target) {
    int32_t start = target;
    if (max < 0) {
      // A loop: the split goes round the child again or on.
      const int32_t loop = Add(NfaNode::Split({target}));
      const int32_t body = Build(child, loop);
      if (body < 0) return -1;
      nodes_[static_cast<size_t>(loop)].epsilons.push_back(body);
      start = loop;
    } else {
      // x{0,k}: (x(x(...)?)?)?, built from the inside out.
      for (int i = 0; i < max - min && start >= 0; ++i) {
        const int32_t body = Build(child, start);
        if (body < 0) return -1;
        start = Add(NfaNode::Split({body, target}));
      }
    }
    for (int i = 0; i < min && start >= 0; ++i) start = Build(child, start);
    return start;
  }

  std::vector<NfaNode> nodes_;
};

// The subset construction. A state is the set of the automaton's nodes
// that read a digit, assert the end or match, reachable from where it
// stands without reading; nodes that only split are left out, so that sets
// differing only in them are one state.
class SubsetConstruction {
 public:
  explicit SubsetConstruction(std::vector<NfaNode> nodes)
      : nodes_(std::move(nodes)), mark_(nodes_.size(), 0) {}

  // Fills the tables; false when they would pass kMaxStates.
  bool Run(int32_t nfa_start, std::vector<int32_t>& next,
           std::vector<uint8_t>& accepts, int32_t& start) {
    next_ = &next;
    accepts_ = &accepts;
    State({});  // the dead state, 0
    start = State(Closure({nfa_start}, /*past_end=*/false));
    for (size_t s = 0; s < sets_.size(); ++s) {
      for (int digit = 0; digit < 10; ++digit) {
        std::vector<int32_t> seeds;
        for (int32_t node : *sets_[s]) {
          const NfaNode& n = nodes_[static_cast<size_t>(node)];
          if (n.digits & (1u << digit)) seeds.push_back(n.next);
        }
        const int32_t to = State(Closure(seeds, /*past_end=*/false));
        if (to < 0) return false;
        (*next_)[s * 10 + static_cast<size_t>(digit)] = to;
      }
    }
    return true;
  }

 private:
  // The nodes reachable from `seeds` without reading, through end
  // assertions too when `past_end`; sorted.
  std::vector<int32_t> Closure(const std::vector<int32_t>& seeds,
                               bool past_end) {
    ++generation_;
    std::vector<int32_t> stack(seeds), set;
    while (!stack.empty()) {
      const int32_t node = stack.back();
      stack.pop_back();
      if (mark_[static_cast<size_t>(node)] == generation_) continue;
      mark_[static_cast<size_t>(node)] = generation_;
      const NfaNode& n = nodes_[static_cast<size_t>(node)];
      if (node == 0 || n.digits != 0 || n.end) set.push_back(node);
      if (n.end && !past_end) continue;
      stack.insert(stack.end(), n.epsilons.begin(), n.epsilons.end());
    }
    std::sort(set.begin(), set.end());
    return set;
  }

  // The state for `set`, added if new; -1 past kMaxStates.
  int32_t State(std::vector<int32_t> set) {
    if (auto it = ids_.find(set); it != ids_.end()) return it->second;
    if (sets_.size() >= static_cast<size_t>(DigitPattern::kMaxStates)) {
      return -1;
    }
    const auto id = static_cast<int32_t>(sets_.size());
    uint8_t accepts = 0;
    if (!set.empty() && set.front() == 0)
      accepts = kAcceptsHere | kAcceptsAtEnd;
    std::vector<int32_t> ends;
    for (int32_t node : set) {
      if (nodes_[static_cast<size_t>(node)].end) ends.push_back(node);
    }
    if (!ends.empty()) {
      const std::vector<int32_t> beyond = Closure(ends, /*past_end=*/true);
      if (!beyond.empty() && beyond.front() == 0) accepts |= kAcceptsAtEnd;
    }
    accepts_->push_back(accepts);
    next_->resize(next_->size() + 10, 0);
    sets_.push_back(&ids_.emplace(std::move(set), id).first->first);
    return id;
  }

  std::vector<NfaNode> nodes_;
  std::vector<uint32_t> mark_;
  uint32_t generation_ = 0;
  std::map<std::vector<int32_t>, int32_t> ids_;
  // sets_[id] is the state's key in ids_ (a map's keys stay where they are).
  std::vector<const std::vector<int32_t>*> sets_;
  std::vector<int32_t>* next_ = nullptr;
  std::vector<uint8_t>* accepts_ = nullptr;
};

}  // namespace

absl::StatusOr<DigitPattern> DigitPattern::Compile(absl::string_view pattern) {
  Parser parser(pattern);
  absl::StatusOr<Ast> ast = parser.Parse();
  if (!ast.ok()) return ast.status();
  NfaBuilder builder;
  const int32_t nfa_start = builder.Build(*ast, 0);
  if (nfa_start < 0) {
    return absl::InvalidArgumentError("digit pattern: too many repetitions");
  }
  DigitPattern compiled;
  SubsetConstruction subsets(builder.Take());
  if (!subsets.Run(nfa_start, compiled.next_, compiled.accepts_,
                   compiled.start_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "digit pattern: more than ", kMaxStates, " automaton states"));
  }
  return compiled;
}

bool DigitPattern::MatchesWhole(absl::string_view text) const {
  int32_t state = start_;
  for (char c : text) {
    state = Next(state, c);
    if (state == kDead) return false;
  }
  return accepts_[static_cast<size_t>(state)] != 0;
}

bool DigitPattern::MatchesAtStart(absl::string_view text) const {
  int32_t state = start_;
  for (char c : text) {
    if (accepts_[static_cast<size_t>(state)] & kAcceptsHere) return true;
    state = Next(state, c);
    if (state == kDead) return false;
  }
  return accepts_[static_cast<size_t>(state)] != 0;
}

}  // namespace consentd::identifiers
