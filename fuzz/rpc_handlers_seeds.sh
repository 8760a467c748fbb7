#!/usr/bin/env bash
# Writes the seeds of rpc_handlers_fuzzer to fuzz/corpus/rpc_handlers_fuzzer/:
# a few valid requests for each method (fake numbers in the +386 1 555 01xx
# style, example.com addresses), in the input format the target's top
# comment describes. Each method's selector byte comes from the list the
# built target prints at start-up, so run it again when the table changes:
#
#   fuzz/rpc_handlers_seeds.sh [build-fuzz/rpc_handlers_fuzzer]
#
# Writes only seeds named below (regression-* inputs stay). Needs protoc.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzzer=${1:-build-fuzz/rpc_handlers_fuzzer}
out=fuzz/corpus/rpc_handlers_fuzzer
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

TMPDIR="$work" "$fuzzer" -runs=0 2>&1 </dev/null |
  sed -n 's/^rpc_handlers_fuzzer: method \([0-9]*\): /\1 /p' >"$work/methods"

# byte VALUE: one byte.
# shellcheck disable=SC2059  # the format is the byte's octal escape
byte() { printf "\\$(printf %03o "$1")"; }

# varint N: N as a protobuf varint.
varint() {
  local n=$1
  while [ "$n" -ge 128 ]; do
    byte $(((n & 127) | 128))
    n=$((n >> 7))
  done
  byte "$n"
}

# method PATH: the selector byte of PATH.
method() {
  local index
  index=$(awk -v path="$1" '$2 == path { print $1 }' "$work/methods")
  if [ -z "$index" ]; then
    echo "rpc_handlers_seeds: $fuzzer has no handler for $1" >&2
    exit 1
  fi
  byte "$index"
}

# encode TYPE TEXT: TEXT (protobuf text format) as TYPE's wire bytes.
encode() {
  local files
  case "$1" in
    grpc.health.*) files=grpc/health/v1/health.proto ;;
    grpc.reflection.*) files=grpc/reflection/v1alpha/reflection.proto ;;
    *) files=$(cd proto && echo consent/v1/*.proto) ;;
  esac
  # shellcheck disable=SC2086  # several files
  printf '%s' "$2" | (cd proto && protoc -I . --encode="$1" $files)
}

# unary NAME PATH TYPE TEXT: a unary call's seed.
unary() {
  {
    method "$2"
    encode "$3" "$4"
  } >"$out/$1"
}

# stream NAME PATH END TYPE TEXT...: a streaming call's seed; END is 0 for
# a client that half-closes, 1 for one that cancels after its messages.
stream() {
  local name=$1 path=$2 end=$3 type=$4
  shift 4
  {
    method "$path"
    byte "$end"
    for text in "$@"; do
      encode "$type" "$text" >"$work/message"
      varint "$(stat -c %s "$work/message")"
      cat "$work/message"
    done
  } >"$out/$name"
}

consent=/consent.v1.ConsentService
requests=/consent.v1.DataSubjectRequestService
lists=/consent.v1.SuppressionListService
scrub=/consent.v1.ScrubService
v1=consent.v1
# Placeholders for the k-th most recent request and receipt (the target's
# top comment); at start-up the target opens requests of types 1-6 and
# verifies each, so 0 is the OBJECTION, 1 RESTRICTION, 2 RECTIFICATION,
# 3 ERASURE, 4 PORTABILITY and 5 ACCESS request.
dsr() { printf 'dsr-~~~~~~~~~~~~~~~%s' "$1"; }
rcpt() { printf 'rcpt-~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~%s' "$1"; }

unary check-phone $consent/Check $v1.CheckRequest \
  'identifiers { phone: "+386 1 555 0101" } purpose: "marketing" channel: "phone"'
unary check-national $consent/Check $v1.CheckRequest \
  'identifiers { phone: "01 555 0101" } default_region: "SI"
   purpose: "customer-care" channel: "sms"'
unary check-email-external-id $consent/Check $v1.CheckRequest \
  'identifiers { email: "Ana.Novak+news@Example.com" }
   identifiers { external_id { system: "crm" id: "C-0102" } }
   purpose: "surveys" channel: "email"'
unary check-batch $consent/CheckBatch $v1.CheckBatchRequest \
  'contacts { row_id: "r1" identifiers { phone: "+386 1 555 0101" } }
   contacts { row_id: "r2" identifiers { email: "boris@example.com" } }
   default_region: "SI" purpose: "marketing" channel: "phone"
   include_identifiers: true'
unary get-record $consent/GetRecord $v1.GetRecordRequest \
  'identifier { phone: "+386 1 555 0101" }'
unary record-consent-opt-in $consent/RecordConsent $v1.RecordConsentRequest \
  'identifiers { phone: "+386 1 555 0101" } purpose: "marketing"
   channel: "phone" action: CONSENT_ACTION_GRANT
   lawful_basis: LAWFUL_BASIS_CONSENT
   evidence { collection_method: COLLECTION_METHOD_WEB_FORM_DOUBLE_OPT_IN
              evidence_reference: "form-4410"
              notice_version: "marketing-notice-v3" }'
unary record-consent-bulk $consent/RecordConsent $v1.RecordConsentRequest \
  'identifiers { phone: "01 555 0103" } default_region: "SI"
   purpose: "marketing" channel: "phone" action: CONSENT_ACTION_GRANT
   evidence { collection_method: COLLECTION_METHOD_BULK_IMPORT
              source: "lead-list-q4" }'
unary record-withdrawal $consent/RecordConsent $v1.RecordConsentRequest \
  'identifiers { email: "ana@example.com" } purpose: "marketing"
   channel: "email" action: CONSENT_ACTION_WITHDRAW
   evidence { collection_method: COLLECTION_METHOD_API }'
unary record-objection $consent/RecordObjection $v1.RecordObjectionRequest \
  'identifiers { phone: "+386 1 555 0103" }
   evidence { collection_method: COLLECTION_METHOD_RECORDED_CALL
              evidence_reference: "call-rec-88121" collector: "agent-17" }'
unary record-objection-scoped $consent/RecordObjection \
  $v1.RecordObjectionRequest \
  'identifiers { external_id { system: "crm" id: "C-0104" } }
   purpose: "surveys" channel: "sms"
   evidence { collection_method: COLLECTION_METHOD_WRITTEN_REQUEST }'

unary open-erasure $requests/OpenRequest $v1.OpenRequestRequest \
  'type: REQUEST_TYPE_ERASURE identifiers { phone: "+386 1 555 0105" }
   identifiers { email: "cene@example.com" } received_via: "e-mail"
   requester_contact: "cene@example.com"'
unary open-access $requests/OpenRequest $v1.OpenRequestRequest \
  'type: REQUEST_TYPE_ACCESS identifiers { phone: "01 555 0101" }
   default_region: "SI" received_via: "letter"'
unary open-rectification $requests/OpenRequest $v1.OpenRequestRequest \
  'type: REQUEST_TYPE_RECTIFICATION identifiers { phone: "+386 1 555 0106" }
   replacement { phone: "+386 1 555 0107" } received_via: "phone"'
unary open-restriction $requests/OpenRequest $v1.OpenRequestRequest \
  'type: REQUEST_TYPE_RESTRICTION identifiers { email: "dana@example.com" }
   received_via: "web form"'
unary verify $requests/VerifyIdentity $v1.VerifyIdentityRequest \
  "request_id: \"$(dsr 0)\" method: \"reply from the registered address\""
unary extend $requests/ExtendRequest $v1.ExtendRequestRequest \
  "request_id: \"$(dsr 3)\" months: 1 reason: \"archive recall\""
unary reject $requests/RejectRequest $v1.RejectRequestRequest \
  "request_id: \"$(dsr 2)\" reason: \"identity not confirmed\""
unary complete-erasure $requests/CompleteRequest $v1.CompleteRequestRequest \
  "request_id: \"$(dsr 3)\""
unary complete-restriction $requests/CompleteRequest \
  $v1.CompleteRequestRequest "request_id: \"$(dsr 1)\""
unary complete-rectification $requests/CompleteRequest \
  $v1.CompleteRequestRequest "request_id: \"$(dsr 2)\""
unary export-access $requests/ExportSubject $v1.ExportSubjectRequest \
  "request_id: \"$(dsr 5)\""
unary lift-restriction $requests/LiftRestriction $v1.LiftRestrictionRequest \
  "request_id: \"$(dsr 1)\" reason: \"dispute settled\""
unary get-request $requests/GetRequest $v1.GetRequestRequest \
  "request_id: \"$(dsr 0)\""
unary list-requests $requests/ListRequests $v1.ListRequestsRequest \
  'states: REQUEST_STATE_RECEIVED states: REQUEST_STATE_IDENTITY_VERIFIED
   page_size: 2'
unary list-overdue $requests/ListRequests $v1.ListRequestsRequest \
  'overdue_only: true'

stream scrub $scrub/Scrub 0 $v1.ScrubRequest \
  'header { purpose: "marketing" channel: "phone" default_region: "SI"
            list_name: "leads-q4.csv" }' \
  'rows { rows { row_id: "1" identifiers { phone: "01 555 0101" } }
          rows { row_id: "2" identifiers { email: "ana@example.com" }
                 identifiers { phone: "+386 1 555 0108" } } }'
stream scrub-cancelled $scrub/Scrub 1 $v1.ScrubRequest \
  'header { purpose: "customer-care" channel: "email" }' \
  'rows { rows { row_id: "1" identifiers { email: "boris@example.com" } } }'
unary get-receipt $scrub/GetReceipt $v1.GetReceiptRequest \
  "receipt_id: \"$(rcpt 0)\""
unary get-receipt-key $scrub/GetReceiptKey $v1.GetReceiptKeyRequest ''

stream import-list $lists/ImportList 0 $v1.ImportListRequest \
  'header { name: "si-national-dnc" version: "2026-11" default_region: "SI"
            channels: "phone" }' \
  'identifier { phone: "040 555 011" }' \
  'entries { identifiers { phone: "+386 1 555 0109" }
             identifiers { phone: "not a number" } }'
stream import-list-cancelled $lists/ImportList 1 $v1.ImportListRequest \
  'header { name: "si-national-dnc" version: "2026-12" default_region: "SI"
            channels: "phone" }' \
  'identifier { phone: "+386 1 555 0110" }'
unary list-lists $lists/ListLists $v1.ListListsRequest ''
unary drop-list $lists/DropList $v1.DropListRequest \
  'name: "si-national-dnc"'

audit=/consent.v1.AuditService
stream audit-entries $audit/ListAuditEntries 0 $v1.ListAuditEntriesRequest \
  'from_sequence: 1 max_entries: 20'
unary audit-checkpoint $audit/GetCheckpoint $v1.GetCheckpointRequest \
  'sequence: 0'
unary verify-audit $audit/VerifyAudit $v1.VerifyAuditRequest ''

unary get-status /consent.v1.AdminService/GetStatus $v1.GetStatusRequest ''
unary get-policy /consent.v1.AdminService/GetPolicy $v1.GetPolicyRequest ''
unary rekey /consent.v1.AdminService/Rekey $v1.RekeyRequest \
  'database_key_version: 1'

unary health-check /grpc.health.v1.Health/Check \
  grpc.health.v1.HealthCheckRequest 'service: "consent.v1.ConsentService"'
stream health-watch /grpc.health.v1.Health/Watch 0 \
  grpc.health.v1.HealthCheckRequest 'service: ""'
stream reflection /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo \
  0 grpc.reflection.v1alpha.ServerReflectionRequest \
  'list_services: ""' \
  'file_containing_symbol: "consent.v1.ConsentService.Check"'
