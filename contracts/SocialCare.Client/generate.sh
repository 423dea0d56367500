#!/usr/bin/env bash
# Regenerates Generated/ from contracts/openapi/v1.json with Kiota, pinned in the repository's dotnet-tools.json.
#   contracts/SocialCare.Client/generate.sh          this checkout (./infra/dev.sh contracts runs it)
#   contracts/SocialCare.Client/generate.sh <root>   a copy: <root>/contracts/openapi/v1.json into <root>/contracts/...
# The staleness test (tests/SocialCare.Api.Tests/Contracts/Generated_client.cs) runs the second form into a temporary
# tree laid out like this one, so that kiota-lock.json's relative descriptionLocation comes out the same.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROOT=$(cd "${1:-$REPO}" && pwd)
OUT=$ROOT/contracts/SocialCare.Client/Generated

cd "$REPO"
dotnet tool restore >/dev/null
# KIOTA_UPDATE__DISABLED: no call to GitHub for a newer release; the version is the pinned one.
KIOTA_UPDATE__DISABLED=true dotnet kiota generate --language CSharp \
  --openapi "$ROOT/contracts/openapi/v1.json" --output "$OUT" \
  --class-name SocialCareClient --namespace-name SocialCare.Client \
  --exclude-backward-compatible --clean-output --log-level Warning
# Kiota's log repeats what it printed above; it is not part of the client.
rm -f "$OUT/.kiota.log"
