{{- /* The server's ServiceAccount: <fullname>-server unless server.serviceAccount.name names one. */ -}}
{{- define "pipewright.serverServiceAccountName" -}}
{{- if .Values.server.serviceAccount.create }}{{ .Values.server.serviceAccount.name | default (printf "%s-server" (include "pipewright.fullname" .)) }}
{{- else }}{{ required "server.serviceAccount.name is required when server.serviceAccount.create is false (the existing ServiceAccount the server runs as)" .Values.server.serviceAccount.name }}{{ end }}
{{- end }}
