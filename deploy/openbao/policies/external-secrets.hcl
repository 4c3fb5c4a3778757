# external-secrets: the cluster's External Secrets Operator (ClusterSecretStore "openbao",
# Kubernetes auth role external-secrets) copies each service's KV v2 entry
# secret/ecotrack/<environment>/<service> into the Secret <service>-secrets. Read only.
path "secret/data/ecotrack/*" {
  capabilities = ["read"]
}

# user-service's JWT signing keys stay inside OpenBao: the service reads them itself, they
# are never copied into a Kubernetes Secret (a deny wins over any grant).
path "secret/data/ecotrack/+/user-service/jwt-signing-keys" {
  capabilities = ["deny"]
}
