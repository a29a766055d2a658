#!/usr/bin/env bash
# A real single-node SLURM (Debian's slurm-wlm) on this machine, with accounting (slurmdbd + MariaDB)
# so that `sacct` works, for the cluster tests (tests/workflow/test_slurm.py) and for trying the SLURM profile.
#
#   bash tests/cluster/local_slurm.sh install   # apt packages (root)
#   bash tests/cluster/local_slurm.sh start     # configure and start munge, MariaDB, slurmdbd, slurmctld, slurmd
#   bash tests/cluster/local_slurm.sh status    # exit 0 when the partition is up
#   bash tests/cluster/local_slurm.sh stop
#
# One node named after this host, all its CPUs and 80% of its memory; memory limits are enforced by
# SLURM's own accounting poll (OverMemoryKill), which works without cgroups (containers).
set -euo pipefail

PACKAGES=(slurm-wlm slurmdbd munge mariadb-server mariadb-client)
CLUSTER=robustflow
ACCOUNT=robustflow
ETC=/etc/slurm
STATE=/var/lib/robustflow-slurm
LOGS=/var/log/robustflow-slurm
HOST=$(hostname -s)

say() { printf '== local_slurm: %s\n' "$*"; }
need_root() { [ "$(id -u)" = 0 ] || { echo "local_slurm.sh: run as root (it installs and starts system daemons)" >&2; exit 1; }; }

install() {
  need_root
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    # policy-rc.d: Debian would otherwise try to start the daemons itself (no init system here).
    DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

write_config() {
  local cpus mem
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) * 8 / 10 ))
  mkdir -p "$ETC" "$STATE/ctld" "$STATE/d" "$LOGS"
  cat > "$ETC/slurm.conf" <<EOF
ClusterName=$CLUSTER
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
MinJobAge=300
KillWait=5
NodeName=$HOST CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  cat > "$ETC/slurmdbd.conf" <<EOF
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
LogFile=$LOGS/slurmdbd.log
PidFile=$STATE/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=robustflow
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$ETC/slurmdbd.conf"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "local_slurm.sh: $what did not come up in ${seconds}s; logs in $LOGS" >&2
  return 1
}

start() {
  need_root
  command -v slurmctld >/dev/null || { echo "local_slurm.sh: SLURM is not installed: run '$0 install' first" >&2; exit 1; }
  if status >/dev/null 2>&1; then say "already running"; return 0; fi
  write_config
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile /etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge
  pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged
  pgrep -x mariadbd >/dev/null || { mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    (mysqld_safe >/dev/null 2>&1 &); }
  wait_for 60 MariaDB mysqladmin ping
  mysql -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db; CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'robustflow';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
  pgrep -x slurmdbd >/dev/null || slurmdbd
  wait_for 60 slurmdbd sacctmgr -n list cluster
  sacctmgr -i add cluster "$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add account "$ACCOUNT" Cluster="$CLUSTER" >/dev/null 2>&1 || true
  sacctmgr -i add user "$(id -un)" Account="$ACCOUNT" Cluster="$CLUSTER" >/dev/null 2>&1 || true
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd
  wait_for 60 "the debug partition" status
  say "up: $(sinfo -h -o '%P %D %C %m' | head -1) (partition nodes CPUs(A/I/O/T) memory)"
}

status() {
  sinfo -h -o '%t' 2>/dev/null | grep -Eq '^(idle|mix|alloc)' && sacct -n -X -S now >/dev/null 2>&1
}

stop() {
  need_root
  for d in slurmd slurmctld slurmdbd; do pkill -x "$d" 2>/dev/null || true; done
  mysqladmin shutdown 2>/dev/null || true
  pkill -x munged 2>/dev/null || true
  say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
