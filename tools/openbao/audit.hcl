# Extra configuration of the local OpenBao server (tools/stack/stack.sh starts it with
# `bao server -config=<generated server.hcl> -config=<this file>`, in the directory $STATE/openbao).
#
# OpenBao 2.x refuses to enable audit devices through the API (CVE-2025-54997): they are
# declared here. The relative path resolves against the server's working directory, so the
# log is $STATE/openbao/audit.log. Secrets in it are HMAC-ed (log_raw stays off).
audit "file" "file" {
  description = "EcoTrack local: every request and response, secret values HMAC-ed"
  options {
    file_path = "audit.log"
    mode      = "0600"
  }
}
