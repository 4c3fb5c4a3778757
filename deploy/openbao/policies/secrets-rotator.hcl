# secrets-rotator: the operator or the automation (a CronJob, a CI job) that rotates
# what the services cannot rotate themselves. Not bound to any service identity.

# New versions of the transit keys (old versions stay for decryption until the data is
# rewrapped by the services).
path "transit/keys/+/rotate" {
  capabilities = ["update"]
}
path "transit/keys/+" {
  capabilities = ["read"]
}

# The root credential of each database connection: afterwards only OpenBao knows it.
path "database/rotate-root/+" {
  capabilities = ["update"]
}

# Application secrets in KV v2 (vendor API keys, webhook secrets, redis_url ...).
path "secret/data/ecotrack/*" {
  capabilities = ["create", "update", "read"]
}
path "secret/metadata/ecotrack/*" {
  capabilities = ["read", "list"]
}
