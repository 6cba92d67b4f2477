#!/usr/bin/env bash
# Arrows point one way (docs/architecture.md). A module may include the public
# headers of the modules it depends on and nothing above it. Fails listing
# every include that breaks the rule.
set -euo pipefail
cd "$(dirname "$0")/.."

# module -> public headers it may include (besides its own)
declare -A allowed=(
  [core]="status amount chain encoding hash id clock version json_strict"
  [address]="status amount chain encoding hash address hd"
  [request]="status amount chain encoding hash address request qr"
  [config]="status amount chain encoding hash id clock json_strict address hd config"
  [store]="status amount chain encoding hash id clock store"
  [intent]="status amount chain encoding hash id clock json_strict address hd request qr config store intent"
  [chain]="status amount chain encoding hash id clock json_strict address chain_backend sim_chain evm_rpc"
  [tracker]="status amount chain encoding hash id clock address hd request qr config store intent chain_backend sim_chain evm_rpc tracker settlement"
  [webhook]="status amount chain encoding hash id clock version json_strict config store webhook webhook_dispatcher webhook_config"
  [capi]="status amount chain encoding hash id clock version json_strict address hd request qr config store intent chain_backend sim_chain evm_rpc tracker settlement webhook webhook_dispatcher webhook_config recon usd1pay"
  [recon]="status amount chain encoding hash id clock address hd request qr config store intent recon"
)
# which public header belongs to which module
declare -A owner=(
  [status]=core [amount]=core [chain]=core [encoding]=core [hash]=core [id]=core
  [clock]=core [version]=core [json_strict]=core [address]=address [hd]=address [request]=request [qr]=request
  [config]=config [store]=store [intent]=intent [chain_backend]=chain [sim_chain]=chain
  [evm_rpc]=chain [tracker]=tracker [settlement]=tracker
  [webhook]=webhook [webhook_dispatcher]=webhook [webhook_config]=webhook [recon]=recon
  [usd1pay]=capi
)

bad=0
for module in "${!allowed[@]}"; do
  [[ -d sdk/$module ]] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    header=$(sed -E 's/.*#include[[:space:]]*"usd1pay\/([a-z_0-9]+)\.h".*/\1/' <<<"$line")
    [[ " ${allowed[$module]} " == *" $header "* ]] && continue
    echo "layering: $file includes usd1pay/$header.h (module ${owner[$header]:-unknown}), which $module must not depend on" >&2
    bad=1
  done < <(grep -RHn '#include "usd1pay/' "sdk/$module" || true)
  # private headers of another module
  while IFS= read -r line; do
    echo "layering: $line reaches into another module's private headers" >&2
    bad=1
  done < <(grep -RHnE '#include "(core|address|request|config|store|intent|chain|tracker|webhook|recon|capi|cli)/' "sdk/$module" | grep -v "#include \"$module/" || true)
done
# mocks are for tests and integrators, never for the library itself
if grep -RHn '#include "usd1pay/mocks/' sdk/; then
  echo "layering: the library includes a mock" >&2
  bad=1
fi
# public headers include only public headers
if grep -RHnE '#include "(sdk|core|address|request|config|store|intent|chain|tracker|webhook|recon|capi|cli)/' include/; then
  echo "layering: a public header includes a private one" >&2
  bad=1
fi
exit $bad
