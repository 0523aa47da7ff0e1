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

{{- /* The controller's rules, the same as deploy/rbac.yaml's ClusterRole (a unit test compares them). */ -}}
{{- define "pipewright.controllerRules" -}}
- apiGroups: ["pipewright.dev"]
  resources: ["pipelineruns"]
  verbs: ["list", "watch"]
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
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{- /* The leader-election Lease rules, the same as deploy/rbac.yaml's Role. */ -}}
{{- define "pipewright.leaseRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  resourceNames: ["pipewright-leader-election"]
  verbs: ["get", "update"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["create"]
{{- end }}
