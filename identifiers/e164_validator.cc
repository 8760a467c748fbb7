#include "identifiers/e164_validator.h"

#include <array>
#include <list>
#include <map>
#include <set>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "identifiers/digit_pattern.h"
#include "identifiers/phone_metadata.h"
#include "phonenumbers/phonemetadata.pb.h"
#include "phonenumbers/phonenumberutil.h"

namespace consentd::identifiers {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr char kNonGeographic[] = "001";
constexpr int kMaxCallingCode = 999;
// libphonenumber's bounds on a national significant number.
constexpr size_t kMinNsnLength = 2;
constexpr size_t kMaxNsnLength = 17;

// Null when `pattern` does not compile (the caller then gives up on the
// calling code rather than guess).
std::unique_ptr<const DigitPattern> Compile(const std::string& pattern) {
  absl::StatusOr<DigitPattern> compiled = DigitPattern::Compile(pattern);
  if (!compiled.ok()) return nullptr;
  return std::make_unique<const DigitPattern>(*std::move(compiled));
}

}  // namespace

namespace e164_internal {

struct NumberDesc {
  // libphonenumber checks the length first when the description lists
  // possible lengths: bit L of `lengths` is set when length L is one.
  bool any_length = true;
  uint32_t lengths = 0;
  // Null when the description has no pattern: it matches nothing.
  std::unique_ptr<const DigitPattern> pattern;
};

struct Region {
  std::string code;
  // Present when the metadata names the leading digits that pick this
  // region among those sharing its calling code.
  std::unique_ptr<const DigitPattern> leading_digits;
  NumberDesc general;
  // A number is valid when the general description and any one number type
  // match. For each national-number length, the patterns of the types that
  // allow that length, as one alternation (one match instead of one per
  // type); null when no type allows it. Lengths that admit the same types
  // share a pattern, owned by `type_patterns`.
  std::array<const DigitPattern*, kMaxNsnLength + 1> types_by_length{};
  std::vector<std::unique_ptr<const DigitPattern>> type_patterns;
};

struct CallingCode {
  // False when some pattern of this code's metadata did not compile.
  bool usable = true;
  // The main region's national prefix for parsing: its digits when it is a
  // plain string of digits (most are; a string compare then replaces a
  // match), else a pattern; neither when it has none.
  std::string national_prefix_digits;
  std::unique_ptr<const DigitPattern> national_prefix;
  // In libphonenumber's order (the main region first).
  std::vector<Region> regions;
};

// Indexed by calling code (1-999); null where there is none. A code whose
// metadata did not compile is kept, marked unusable, so that it still ends
// the search for the calling code as it does in libphonenumber.
struct Tables {
  std::vector<std::unique_ptr<CallingCode>> codes;
};

}  // namespace e164_internal

namespace {

using e164_internal::CallingCode;
using e164_internal::NumberDesc;
using e164_internal::Region;
using e164_internal::Tables;

// Fills `out` from `desc`; false when its pattern does not compile.
bool CompileDesc(const PhoneNumberDesc& desc, NumberDesc& out) {
  out.any_length = desc.possible_length_size() == 0;
  for (int length : desc.possible_length()) {
    if (length >= 0 && length < 32) out.lengths |= 1u << length;
  }
  if (desc.national_number_pattern().empty()) return true;
  out.pattern = Compile(desc.national_number_pattern());
  return out.pattern != nullptr;
}

// Whether `nsn` matches `desc`'s possible lengths and pattern.
bool Matches(const NumberDesc& desc, absl::string_view nsn) {
  if (!desc.any_length &&
      (nsn.size() >= 32 || (desc.lengths & (1u << nsn.size())) == 0)) {
    return false;
  }
  return desc.pattern != nullptr && desc.pattern->MatchesWhole(nsn);
}

// Whether `nsn` (kMinNsnLength to kMaxNsnLength digits) is a valid number
// of `region`: the general description and some number type match.
bool IsValidFor(const Region& region, absl::string_view nsn) {
  if (!Matches(region.general, nsn)) return false;
  const DigitPattern* types = region.types_by_length[nsn.size()];
  return types != nullptr && types->MatchesWhole(nsn);
}

// Fills `region.types_by_length` from the number types' descriptions; false
// when an alternation does not compile.
bool CompileTypes(const std::vector<const PhoneNumberDesc*>& types,
                  Region& region) {
  std::map<uint32_t, const DigitPattern*> by_types;  // bit i: types[i] admitted
  for (size_t length = kMinNsnLength; length <= kMaxNsnLength; ++length) {
    uint32_t admitted = 0;
    std::string alternation;
    for (size_t i = 0; i < types.size(); ++i) {
      const PhoneNumberDesc& type = *types[i];
      // A type without a pattern matches nothing.
      if (type.national_number_pattern().empty()) continue;
      const bool allows = type.possible_length_size() == 0 ||
                          absl::c_linear_search(type.possible_length(),
                                                static_cast<int>(length));
      if (!allows) continue;
      admitted |= 1u << i;
      if (!alternation.empty()) alternation += '|';
      absl::StrAppend(&alternation, "(?:", type.national_number_pattern(), ")");
    }
    if (admitted == 0) continue;
    auto [it, added] = by_types.try_emplace(admitted, nullptr);
    if (added) {
      std::unique_ptr<const DigitPattern> compiled = Compile(alternation);
      if (compiled == nullptr) return false;
      it->second = region.type_patterns.emplace_back(std::move(compiled)).get();
    }
    region.types_by_length[length] = it->second;
  }
  return true;
}

// Whether `nsn` begins with what might be `code`'s national prefix.
bool MayBeginWithNationalPrefix(const CallingCode& code,
                                absl::string_view nsn) {
  if (!code.national_prefix_digits.empty()) {
    return absl::StartsWith(nsn, code.national_prefix_digits);
  }
  return code.national_prefix != nullptr &&
         code.national_prefix->MatchesAtStart(nsn);
}

// Compiles `collection` into lookup tables; every code is null (so every
// number goes to libphonenumber) when `collection` is null.
std::unique_ptr<const Tables> CompileTables(
    const PhoneMetadataCollection* collection) {
  auto tables = std::make_unique<Tables>();
  tables->codes.resize(kMaxCallingCode + 1);
  if (collection == nullptr) return tables;
  std::map<std::string, const PhoneMetadata*> geographic;
  std::map<int, const PhoneMetadata*> non_geographic;
  for (const PhoneMetadata& metadata : collection->metadata()) {
    if (metadata.id() == kNonGeographic) {
      non_geographic[metadata.country_code()] = &metadata;
    } else {
      geographic[metadata.id()] = &metadata;
    }
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::set<int> calling_codes;
  util.GetSupportedCallingCodes(&calling_codes);
  for (int calling_code : calling_codes) {
    if (calling_code <= 0 || calling_code > kMaxCallingCode) continue;
    auto code = std::make_unique<CallingCode>();
    std::list<std::string> region_codes;
    util.GetRegionCodesForCountryCallingCode(calling_code, &region_codes);
    for (const std::string& region_code : region_codes) {
      const PhoneMetadata* metadata = nullptr;
      if (region_code == kNonGeographic) {
        auto it = non_geographic.find(calling_code);
        if (it != non_geographic.end()) metadata = it->second;
      } else {
        auto it = geographic.find(region_code);
        if (it != geographic.end()) metadata = it->second;
      }
      if (metadata == nullptr) {
        code->usable = false;
        break;
      }
      if (code->regions.empty() &&
          !metadata->national_prefix_for_parsing().empty()) {
        const std::string& prefix = metadata->national_prefix_for_parsing();
        if (absl::c_all_of(prefix, absl::ascii_isdigit)) {
          code->national_prefix_digits = prefix;
        } else {
          // libphonenumber wraps it in a group; so do we, for the same
          // alternation.
          code->national_prefix = Compile("(" + prefix + ")");
          if (code->national_prefix == nullptr) code->usable = false;
        }
      }
      Region& region = code->regions.emplace_back();
      region.code = region_code;
      if (metadata->has_leading_digits()) {
        region.leading_digits = Compile(metadata->leading_digits());
        if (region.leading_digits == nullptr) code->usable = false;
      }
      if (!CompileDesc(metadata->general_desc(), region.general)) {
        code->usable = false;
      }
      std::vector<const PhoneNumberDesc*> types = {
          &metadata->fixed_line(), &metadata->premium_rate(),
          &metadata->toll_free(),  &metadata->shared_cost(),
          &metadata->voip(),       &metadata->personal_number(),
          &metadata->pager(),      &metadata->uan(),
          &metadata->voicemail()};
      // libphonenumber looks at the mobile pattern only when it differs
      // from the fixed-line one.
      if (!metadata->same_mobile_and_fixed_line_pattern()) {
        types.insert(types.begin() + 1, &metadata->mobile());
      }
      if (!CompileTypes(types, region)) {
        code->usable = false;
      }
    }
    if (code->regions.empty()) code->usable = false;
    tables->codes[calling_code] = std::move(code);
  }
  return tables;
}

}  // namespace

E164Validator::E164Validator() {
  PhoneMetadataCollection collection;
  const bool parsed = ParseCompiledPhoneMetadata(&collection);
  tables_ = CompileTables(parsed ? &collection : nullptr);
}

E164Validator::~E164Validator() = default;

std::optional<absl::string_view> E164Validator::ValidRegion(
    absl::string_view e164) const {
  // The strict shape only: libphonenumber's parser reads anything else
  // (punctuation, other lengths) by rules this shortcut does not follow.
  if (e164.size() < 8 || e164.size() > 16 || e164[0] != '+' || e164[1] == '0') {
    return std::nullopt;
  }
  const absl::string_view digits = e164.substr(1);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const Tables& tables = *tables_;
  // The calling code is the shortest prefix that is one, as libphonenumber
  // reads it.
  int calling_code = 0;
  for (size_t length = 1; length <= 3 && length < digits.size(); ++length) {
    // Digits only (checked above), so this cannot overflow or fail.
    calling_code = calling_code * 10 + (digits[length - 1] - '0');
    const CallingCode* code = tables.codes[calling_code].get();
    if (code == nullptr) continue;
    if (!code->usable) return std::nullopt;
    const absl::string_view nsn = digits.substr(length);
    if (nsn.size() < kMinNsnLength || nsn.size() > kMaxNsnLength) {
      return std::nullopt;
    }
    // What might be a national prefix is libphonenumber's to strip or keep.
    if (MayBeginWithNationalPrefix(*code, nsn)) return std::nullopt;
    const Region* region = &code->regions.front();
    if (code->regions.size() > 1) {
      region = nullptr;
      for (const Region& candidate : code->regions) {
        const bool chosen = candidate.leading_digits != nullptr
                                ? candidate.leading_digits->MatchesAtStart(nsn)
                                : IsValidFor(candidate, nsn);
        if (chosen) {
          region = &candidate;
          break;
        }
      }
      if (region == nullptr) return std::nullopt;
    }
    if (!IsValidFor(*region, nsn)) return std::nullopt;
    return absl::string_view(region->code);
  }
  return std::nullopt;
}

int E164Validator::calling_code_count() const {
  int count = 0;
  for (const std::unique_ptr<CallingCode>& code : tables_->codes) {
    if (code != nullptr && code->usable) ++count;
  }
  return count;
}

}  // namespace consentd::identifiers
