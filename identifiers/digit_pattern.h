// DigitPattern: a regular expression over the decimal digits, compiled once
// to a deterministic automaton, for libphonenumber's metadata patterns. A
// match is a table lookup a digit with no lock: RE2 takes a reader lock on
// its DFA cache for every match, a cache line every core's checks contend
// for.
//
// The syntax is the part of RE2's that the metadata uses: digits, `\d`,
// classes of digits and ranges (`[2-57]`), groups (`(...)`, `(?:...)`),
// `|`, the quantifiers `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`, and `$` (end
// of text). Groups capture nothing.
//
// Thread-safety: immutable after Compile; safe for concurrent use.
#ifndef CONSENTD_IDENTIFIERS_DIGIT_PATTERN_H_
#define CONSENTD_IDENTIFIERS_DIGIT_PATTERN_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace consentd::identifiers {

class DigitPattern {
 public:
  // Automata larger than this are refused: no metadata pattern comes near
  // (the largest has a few hundred states), and a pattern that did would
  // cost more memory than it saves time.
  static constexpr int kMaxStates = 1 << 16;

  // INVALID_ARGUMENT for syntax outside the subset above, a repetition
  // count over 1,000, or an automaton over kMaxStates states.
  static absl::StatusOr<DigitPattern> Compile(absl::string_view pattern);

  // Whether the whole of `text` matches (RE2's ANCHOR_BOTH).
  bool MatchesWhole(absl::string_view text) const;
  // Whether some prefix of `text` matches (RE2's ANCHOR_START); `$` matches
  // only at the end of `text`.
  bool MatchesAtStart(absl::string_view text) const;

  int state_count() const { return static_cast<int>(accepts_.size()); }

 private:
  DigitPattern() = default;

  // The state after `state` reads `c`; kDead for a non-digit.
  int32_t Next(int32_t state, char c) const {
    const unsigned digit = static_cast<unsigned char>(c) - '0';
    return digit < 10 ? next_[static_cast<size_t>(state) * 10 + digit] : kDead;
  }

  static constexpr int32_t kDead = 0;
  // next_[state * 10 + digit]; state kDead goes nowhere else.
  std::vector<int32_t> next_;
  // Per state: whether it accepts whatever follows, or only at the end of
  // the text (after a `$`); see the .cc.
  std::vector<uint8_t> accepts_;
  int32_t start_ = kDead;
};

}  // namespace consentd::identifiers

#endif  // CONSENTD_IDENTIFIERS_DIGIT_PATTERN_H_
