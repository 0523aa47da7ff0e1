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

{{- /* <release>-pipewright, or the release name alone when it already says pipewright (release "pipewright":
the same names as deploy/). Every object name derives from it, so two releases never collide. */ -}}
{{- define "pipewright.fullname" -}}
{{- if contains "pipewright" .Release.Name }}{{ .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}{{ printf "%s-pipewright" .Release.Name | trunc 52 | trimSuffix "-" }}{{ end }}
{{- end }}

{{- define "pipewright.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}{{ .Values.serviceAccount.name | default (printf "%s-controller" (include "pipewright.fullname" .)) }}
{{- else }}{{ required "serviceAccount.name is required when serviceAccount.create is false (the existing ServiceAccount the controller runs as)" .Values.serviceAccount.name }}{{ end }}
{{- end }}

{{- /* The leader-election Lease: one per release, so two releases in one namespace do not share a leader. */ -}}
{{- define "pipewright.leaseName" -}}
{{ include "pipewright.fullname" . }}-leader-election
{{- end }}

{{- /* The gateway (and /metrics) as pods reach it: the Service's DNS name. */ -}}
{{- define "pipewright.gatewayUrl" -}}
{{ printf "http://%s-controller.%s.svc:%v" (include "pipewright.fullname" .) .Release.Namespace .Values.controller.httpPort }}
{{- end }}

{{- /* The controller's rules, the same as deploy/rbac.yaml's ClusterRole (a unit test compares them). */ -}}
{{- define "pipewright.controllerRules" -}}
- apiGroups: ["pipewright.dev"]
  resources: ["pipelineruns"]
  verbs: ["list", "watch", "delete", "create", "patch"]
- apiGroups: ["pipewright.dev"]
  resources: ["recurringruns"]
  verbs: ["list", "watch"]
- apiGroups: ["pipewright.dev"]
  resources: ["recurringruns/status"]
  verbs: ["update"]
- apiGroups: ["pipewright.dev"]
  resources: ["pipelineruns/status"]
  verbs: ["update"]
- apiGroups: ["pipewright.dev"]
  resources: ["pipelineruns/finalizers"]
  verbs: ["update"]
- apiGroups: ["pipewright.dev"]
  resources: ["pipelines"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["pipewright.dev"]
  resources: ["pipelines/status"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["create", "get", "list", "watch", "delete"]
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["create", "get", "delete"]
- apiGroups: ["storage.k8s.io"]
  resources: ["storageclasses"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch", "list"]
{{- end }}

{{- /* The leader-election Lease rules, the same as deploy/rbac.yaml's Role but for this release's Lease. */ -}}
{{- define "pipewright.leaseRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  resourceNames: [{{ include "pipewright.leaseName" . | quote }}]
  verbs: ["get", "update"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["create"]
{{- end }}

{{- /* The Secret the controller reads S3 credentials from: the bundled server's generated one, or s3.secret.name. */ -}}
{{- define "pipewright.s3SecretName" -}}
{{- if .Values.s3.bundled.enabled }}{{ include "pipewright.fullname" . }}-s3{{ else }}{{ .Values.s3.secret.name }}{{ end }}
{{- end }}

{{- define "pipewright.s3Selector" -}}
app.kubernetes.io/name: pipewright
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: s3
{{- end }}
