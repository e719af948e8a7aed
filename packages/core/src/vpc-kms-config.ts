/**
 * Two security settings of a function's configuration (issue #18 items 5 and 6, ADR 0039):
 *
 * - `VpcConfig`: Lamina has no VPCs; its answer is egress groups (ADR 0036). The security group
 *   id `sg-<name>` (the service model's pattern, `sg-[0-9a-zA-Z]*`) names the egress group
 *   `<name>` the function's pods join (in a cluster the gateway writes the groups to the
 *   Function's `lamina.dev/egress` annotation, which the operator turns into pod labels the
 *   NetworkPolicies select). Subnet ids are kept and returned, not used. Local mode stores and
 *   returns the configuration and does not enforce it.
 * - `KMSKeyArn`: names the key that wraps the per-function data key of the environment's
 *   envelope. The key id is the ARN's `key/<id>`; where the keys live is the mode's (a keys
 *   folder in local mode, labelled Secrets in a cluster).
 *
 * Invariants: pure; the shapes' list lengths and ARN pattern are the service model's, checked
 * before this; a group name is a Kubernetes label-name suffix (the operator labels pods with it).
 */
import { InvalidParameterValueException, LaminaError } from './errors.js';

export interface VpcConfig {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly ipv6AllowedForDualStack: boolean;
}

/** An egress group's name: a label name's part after `egress.lamina.dev/`, at most 63. */
export const EGRESS_GROUP_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** What Lamina shows as the VpcId of a function in a VPC: there is one network. */
export const LAMINA_VPC_ID = 'vpc-lamina';

const strings = (field: string, value: unknown): string[] => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new InvalidParameterValueException(`${field} must be a list of strings.`);
  return [...new Set(value)];
};

/**
 * The API's `VpcConfig` (undefined when the request has none); empty lists are a configuration
 * that removes the function from every group, as `{SubnetIds: [], SecurityGroupIds: []}` on AWS.
 */
export function parseVpcConfig(value: unknown): VpcConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new InvalidParameterValueException('VpcConfig must be a structure.');
  const v = value as Record<string, unknown>;
  const securityGroupIds = strings('VpcConfig.SecurityGroupIds', v['SecurityGroupIds']);
  const bad = securityGroupIds.filter((g) => !EGRESS_GROUP_NAME.test(g.replace(/^sg-/, '')));
  if (bad.length > 0) {
    throw new InvalidParameterValueException(
      `Invalid security group ID(s): ${bad.join(', ')}. In Lamina the security group sg-<name> names the egress group <name>: 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.`,
    );
  }
  const ipv6 = v['Ipv6AllowedForDualStack'];
  if (ipv6 !== undefined && ipv6 !== null && typeof ipv6 !== 'boolean')
    throw new InvalidParameterValueException(
      'VpcConfig.Ipv6AllowedForDualStack must be a boolean.',
    );
  return {
    subnetIds: strings('VpcConfig.SubnetIds', v['SubnetIds']),
    securityGroupIds,
    ipv6AllowedForDualStack: ipv6 === true,
  };
}

/** The egress groups a VpcConfig names: its security groups without `sg-`. */
export const egressGroupsOfVpc = (c: VpcConfig): string[] =>
  c.securityGroupIds.map((g) => g.replace(/^sg-/, ''));

export const isEmptyVpcConfig = (c: VpcConfig | undefined): boolean =>
  c === undefined || (c.subnetIds.length === 0 && c.securityGroupIds.length === 0);

/** The API's `VpcConfig` answer (VpcConfigResponse). */
export function vpcConfigJson(c: VpcConfig): Record<string, unknown> {
  return {
    SubnetIds: [...c.subnetIds],
    SecurityGroupIds: [...c.securityGroupIds],
    VpcId: isEmptyVpcConfig(c) ? '' : LAMINA_VPC_ID,
    Ipv6AllowedForDualStack: c.ipv6AllowedForDualStack,
  };
}

/** `VpcConfig` as stored (JSON of the API shape) back to the value; unreadable: none. */
export function vpcConfigOfJson(json: string | undefined): VpcConfig | undefined {
  if (json === undefined) return undefined;
  try {
    return parseVpcConfig(JSON.parse(json));
  } catch {
    return undefined;
  }
}

const KEY_ARN = /^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]*:[0-9]*:key\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})$/;

/**
 * The key id of a `KMSKeyArn` (`arn:aws:kms:<region>:<account>:key/<id>`). An alias ARN is
 * refused with the words Lambda uses, as is anything else that names no key.
 */
export function kmsKeyIdOf(arn: string): string {
  const id = KEY_ARN.exec(arn)?.[1];
  if (id !== undefined) return id;
  const reason = arn.includes(':alias/')
    ? 'InvalidArnException KMS Message: Key Aliases are not supported for this operation.'
    : `InvalidArnException KMS Message: ${arn} is not a valid key ARN.`;
  throw kmsKeyInvalid(reason);
}

/** Lambda's answer when a KMS key cannot be used; `reason` is KMS's exception and message. */
export function kmsKeyInvalid(reason: string): InvalidParameterValueException {
  return new InvalidParameterValueException(
    `Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: ${reason}`,
  );
}

/** Lambda's answer when the key an ARN names does not exist. */
export function kmsKeyNotFound(arn: string): InvalidParameterValueException {
  return kmsKeyInvalid(`NotFoundException KMS Message: Key '${arn}' does not exist`);
}

/** Where a mode keeps the keys `KMSKeyArn` names. */
export interface KmsKeys {
  /** The 32-byte key of `arn`; throws `kmsKeyNotFound` (or the ARN's problem) when none. */
  key(arn: string): Buffer;
}

/** A key's 32 bytes: raw, or written as 64 hex digits or base64 (a trailing newline is fine). */
export function keyBytesOf(bytes: Buffer): Buffer | undefined {
  if (bytes.length === 32) return bytes;
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const b64 = Buffer.from(text, 'base64');
  return /^[A-Za-z0-9+/]{43}=?$/.test(text) && b64.length === 32 ? b64 : undefined;
}

/**
 * Why a function's sealed variables cannot be opened now (ADR 0046): Lambda's `EnvironmentError`
 * (`ErrorCode`, `Message`), shown by GetFunctionConfiguration and answered by Invoke (502).
 */
export interface EnvironmentError {
  readonly errorCode:
    | 'KMSNotFoundException'
    | 'KMSInvalidStateException'
    | 'KMSAccessDeniedException'
    | 'KMSDisabledException';
  readonly message: string;
}

/** Lambda's texts for each reason the variables cannot be decrypted (its API reference). */
const KMS_DECRYPT_MESSAGES: Readonly<Record<EnvironmentError['errorCode'], string>> = {
  KMSNotFoundException:
    "Lambda couldn't decrypt the environment variables because the KMS key was not found. Check the function's KMS key settings.",
  KMSInvalidStateException:
    "Lambda couldn't decrypt the environment variables because the state of the KMS key used is not valid for Decrypt. Check the function's KMS key settings.",
  KMSAccessDeniedException:
    "Lambda couldn't decrypt the environment variables because KMS access was denied. Check the Lambda function's KMS permissions.",
  KMSDisabledException:
    "Lambda couldn't decrypt the environment variables because the KMS key used is disabled. Check the Lambda function's KMS key settings.",
};

/** The EnvironmentError of a reason, with Lambda's text (and KMS's detail after it). */
export function kmsDecryptError(
  errorCode: EnvironmentError['errorCode'],
  detail?: string,
): EnvironmentError {
  const base = KMS_DECRYPT_MESSAGES[errorCode];
  return { errorCode, message: detail === undefined ? base : `${base} KMS Message: ${detail}` };
}

/** What Invoke answers for it (502, Lambda's exception name). */
export const environmentErrorException = (e: EnvironmentError): LaminaError =>
  new LaminaError(e.errorCode, e.message);
