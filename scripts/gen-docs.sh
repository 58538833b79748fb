#!/usr/bin/env bash
# Regenerates activityctl's man page and shell completions from its argument parser, so they cannot drift
# from `--help`:
#   docs/man/activityctl.1                         swift-argument-parser's generate-manual (the tool behind its
#                                                  GenerateManual plugin), from `activityctl --experimental-dump-help`
#   contrib/completions/activityctl.{bash,zsh,fish} `activityctl --generate-completion-script <shell>`
# Commit the results. IntegrationTests' DocsFreshnessTests fail when they differ from what the current
# sources generate (ignoring the man page's .Dd date line).
#
# The man page's date is today's, or SOURCE_DATE_EPOCH's when set (reproducible builds). Offline: the
# generator is built from the argument parser's package checkout, like the plugin
# (`swift package plugin generate-manual --configuration debug` writes the same page under .build/plugins/).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product activityctl
swift build --product generate-manual
bin=$(swift build --show-bin-path)

date_args=()
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    date_args=(--date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)")
fi
mkdir -p docs/man contrib/completions
"$bin/generate-manual" "$bin/activityctl" --output-directory docs/man "${date_args[@]}"
# The daemon's page (section 8, system administration), installed by the Debian package.
swift build --product activityd
"$bin/generate-manual" "$bin/activityd" --section 8 --output-directory docs/man "${date_args[@]}"
swift build --product activity-web
"$bin/generate-manual" "$bin/activity-web" --section 8 --output-directory docs/man "${date_args[@]}"

for shell in bash zsh fish; do
    "$bin/activityctl" --generate-completion-script "$shell" > "contrib/completions/activityctl.$shell"
done
echo "gen-docs: wrote docs/man/activityctl.1, docs/man/activityd.8, docs/man/activity-web.8 and contrib/completions/activityctl.{bash,zsh,fish}"
