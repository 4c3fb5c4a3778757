# openbao-snapshot: the chart's daily backup CronJob (helm/ecotrack values backup.openbao) and an
# operator taking a snapshot by hand. Reading a raft snapshot is reading everything OpenBao holds
# (sealed by its barrier key): bound to that one ServiceAccount, nothing else.
path "sys/storage/raft/snapshot" {
  capabilities = ["read"]
}
