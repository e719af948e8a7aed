{{/* Name of the chart, capped for labels. */}}
{{- define "lamina.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object: the release name (plus "-lamina" unless it says lamina already). */}}
{{- define "lamina.fullname" -}}
{{- if contains "lamina" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-lamina" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "lamina.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "lamina.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lamina
{{- end -}}

{{/* Selector labels of one component; call with (dict "root" $ "component" "gateway"). */}}
{{- define "lamina.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lamina.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "lamina.componentLabels" -}}
{{ include "lamina.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Pinned image of a component; refuses "latest". */}}
{{- define "lamina.image" -}}
{{- $img := .image -}}
{{- if or (not $img.tag) (eq (toString $img.tag) "latest") -}}
{{- fail (printf "%s: pin image.tag (not latest)" .component) -}}
{{- end -}}
{{- printf "%s%s:%s" .root.Values.global.imageRegistry $img.repository (toString $img.tag) -}}
{{- end -}}

{{- define "lamina.serviceAccountName" -}}
{{- printf "%s-%s" (include "lamina.fullname" .root) .component -}}
{{- end -}}

{{/* REDIS_URL from the value or an existing Secret. */}}
{{- define "lamina.redisEnv" -}}
{{- if .Values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: url
{{- else }}
- name: REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- end -}}

{{/* The locked-down security settings every Lamina pod and container uses. */}}
{{- define "lamina.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "lamina.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
A component Deployment. Call with
(dict "root" $ "component" "gateway" "values" .Values.gateway "env" $envYaml "token" true).
*/}}
{{- define "lamina.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "lamina.fullname" $root }}-{{ .component }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "lamina.componentLabels" . | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "lamina.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "lamina.componentLabels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ include "lamina.serviceAccountName" . }}
      automountServiceAccountToken: {{ .token }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: 30
      securityContext:
        {{- include "lamina.podSecurityContext" . | nindent 8 }}
      {{- with $root.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- include "lamina.selectorLabels" . | nindent 20 }}
      containers:
        - name: {{ .component }}
          image: {{ include "lamina.image" (dict "root" $root "image" $v.image "component" .component) }}
          imagePullPolicy: {{ $root.Values.global.imagePullPolicy }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
            {{- with .ports }}
            {{- . | trim | nindent 12 }}
            {{- end }}
          env:
            - name: LAMINA_LOG_LEVEL
              value: {{ $v.logLevel | quote }}
            {{- .env | trim | nindent 12 }}
          readinessProbe:
            httpGet: { path: {{ $v.readinessPath | default "/readyz" }}, port: http{{ with .scheme }}, scheme: {{ . }}{{ end }} }
            periodSeconds: 5
            failureThreshold: 2
          livenessProbe:
            httpGet: { path: /healthz, port: http{{ with .scheme }}, scheme: {{ . }}{{ end }} }
            initialDelaySeconds: 10
            periodSeconds: 10
            failureThreshold: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "lamina.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .mounts }}
            {{- . | trim | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
        {{- with .volumes }}
        {{- . | trim | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* The Secret holding the code-token key (gateway and operator). */}}
{{- define "lamina.codeTokenSecretName" -}}
{{- .Values.operator.worker.codeTokenSecret.name | default (printf "%s-code-token" (include "lamina.fullname" .)) -}}
{{- end }}

{{/* LAMINA_CODE_TOKEN_SECRET from that Secret, as an env entry (leading newline). */}}
{{- define "lamina.codeTokenSecretEnv" -}}
{{- printf "\n- name: LAMINA_CODE_TOKEN_SECRET\n  valueFrom: { secretKeyRef: { name: %s, key: secret } }" (include "lamina.codeTokenSecretName" .) -}}
{{- end }}

{{/* The Secret of the platform's own access key (dispatcher, poller, schedule runner). */}}
{{- define "lamina.serviceKeySecretName" -}}
{{- .Values.auth.serviceKeySecret.name | default (printf "%s-service-key" (include "lamina.fullname" .)) -}}
{{- end }}

{{/* LAMINA_GATEWAY_ACCESS_KEY_ID/SECRET from that Secret when calls are signed (leading newline). */}}
{{- define "lamina.serviceKeyEnv" -}}
{{- if eq .Values.auth.mode "secrets" }}
{{- $name := include "lamina.serviceKeySecretName" . }}
{{- printf "\n- name: LAMINA_GATEWAY_ACCESS_KEY_ID\n  valueFrom: { secretKeyRef: { name: %s, key: accessKeyId } }\n- name: LAMINA_GATEWAY_SECRET_ACCESS_KEY\n  valueFrom: { secretKeyRef: { name: %s, key: secretAccessKey } }" $name $name -}}
{{- end }}
{{- end }}

{{/*
The gateway's URL for the platform's own callers (dispatcher, poller, worker code fetch): the
Service port, or with gateway.tls its plain in-cluster port (issue #18).
*/}}
{{- define "lamina.gatewayInternalUrl" -}}
{{- $port := ternary .Values.gateway.tls.internalPort .Values.gateway.service.port (ne .Values.gateway.tls.secretName "") -}}
{{- printf "http://%s-gateway.%s.svc:%v" (include "lamina.fullname" .) .Release.Namespace $port -}}
{{- end -}}

{{/* OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME when tracing.otlpEndpoint is set (leading
newline); arg: (dict "root" $ "component" "gateway"). */}}
{{- define "lamina.tracingEnv" -}}
{{- with .root.Values.tracing.otlpEndpoint }}
{{- printf "\n- name: OTEL_EXPORTER_OTLP_ENDPOINT\n  value: %q\n- name: OTEL_SERVICE_NAME\n  value: %q" . (printf "lamina-%s" $.component) -}}
{{- end }}
{{- end }}
