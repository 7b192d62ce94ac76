#!/usr/bin/env bash
# The main job: set up, index the sample articles, then run the Discord bot when
# DISCORD_TOKEN is set, else the terminal chat opening with a sample question.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
.venv/bin/newsbot reindex
exec .venv/bin/newsbot start --first "who wants Iran out of Syria?"
