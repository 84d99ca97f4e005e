#!/usr/bin/env bash
# Bounded property-based fuzzing of the JSON API with schemathesis: every operation of
# the OpenAPI document, a few generated requests each (valid and invalid), with a
# full-scope token of the system admin. Fails on any 5xx: bad input must get a 4xx.
# Usage: tests/security/fuzz.sh BASE_URL TOKEN [MAX_EXAMPLES]
# Installs schemathesis from PyPI if missing. Run it against a throwaway demo server:
# it creates and changes records.
set -euo pipefail
base=${1:?base URL}
token=${2:?API token}
examples=${3:-5}
command -v schemathesis >/dev/null || pip install -q 'schemathesis==4.32.5'
schemathesis run "$base/api/v1/openapi.json" \
  --url "$base/api/v1" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error \
  --max-examples "$examples" \
  --workers 2 \
  --request-timeout 30 \
  --no-color
