{{- define "pipewright.labels" -}}
app.kubernetes.io/name: pipewright
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "pipewright.selector" -}}
app.kubernetes.io/name: pipewright
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "pipewright.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "pipewright.fullname" -}}
{{ printf "%s-pipewright" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
