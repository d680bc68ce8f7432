{{- define "tidegate.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tidegate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tidegate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tidegate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tidegate.labels" -}}
{{ include "tidegate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Seconds from the start of termination to SIGKILL: preStop sleep + drain + margin. */}}
{{- define "tidegate.terminationGracePeriodSeconds" -}}
{{- add .Values.drain.preStopSleepSeconds .Values.drain.drainTimeoutSeconds .Values.drain.terminationMarginSeconds -}}
{{- end -}}

{{/* The Redis URI list: scheme://[user:$(TIDEGATE_REDIS_PASSWORD)@]host:port[/db], comma-separated. */}}
{{- define "tidegate.redisUris" -}}
{{- $r := .Values.redis -}}
{{- if not $r.hosts }}{{ fail "redis.hosts: give at least one host:port of your Redis (or Redis Cluster seed node)" }}{{ end -}}
{{- if and (not $r.cluster) (gt (len $r.hosts) 1) }}{{ fail "redis.hosts: a standalone Redis takes one host:port; set redis.cluster=true for seed nodes of a cluster" }}{{ end -}}
{{- $scheme := ternary "rediss" "redis" (default false $r.tls) -}}
{{- $auth := "" -}}
{{- if $r.passwordSecret.name -}}
{{- $auth = printf "%s:$(TIDEGATE_REDIS_PASSWORD)@" (default "" $r.username) -}}
{{- else if $r.username -}}
{{- fail "redis.username needs redis.passwordSecret.name" -}}
{{- end -}}
{{- $uris := list -}}
{{- range $r.hosts -}}
{{- if not (regexMatch "^[A-Za-z0-9.-]+:[0-9]{1,5}$" .) }}{{ fail (printf "redis.hosts: %q is not host:port" .) }}{{ end -}}
{{- $uri := printf "%s://%s%s" $scheme $auth . -}}
{{- if and (not $r.cluster) (ne (int $r.database) 0) }}{{ $uri = printf "%s/%d" $uri (int $r.database) }}{{ end -}}
{{- $uris = append $uris $uri -}}
{{- end -}}
{{- join "," $uris -}}
{{- end -}}

{{/* The gateway configuration: the user's config, then the keys the chart owns. */}}
{{- define "tidegate.config" -}}
{{- $cfg := deepCopy (default dict .Values.config) -}}
{{- $owned := dict
      "grpc" (dict "port" (int .Values.ports.grpc))
      "http" (dict "port" (int .Values.ports.admin))
      "shutdown" (dict "drain-timeout" (printf "%ds" (int .Values.drain.drainTimeoutSeconds)))
      "resilience" (dict "spool" (dict "dir" "/var/lib/tidegate/spool")) -}}
{{- $security := deepCopy (default dict .Values.security.config) -}}
{{- if .Values.tls.secretName -}}
{{- $tls := dict "cert-file" "/etc/tidegate/tls/tls.crt" "key-file" "/etc/tidegate/tls/tls.key" -}}
{{- if .Values.tls.requireClientCert }}{{ $_ := set $tls "client-ca-file" "/etc/tidegate/tls/ca.crt" }}{{ end -}}
{{- $_ := set $security "tls" $tls -}}
{{- end -}}
{{- if .Values.auth.tokensSecretName -}}
{{- $_ := set $security "auth" (dict "tokens-file" "/etc/tidegate/auth/tokens") -}}
{{- end -}}
{{- if $security }}{{ $_ := set $owned "security" $security }}{{ end -}}
{{- dict "tidegate" (mergeOverwrite $cfg $owned) | toPrettyJson -}}
{{- end -}}
