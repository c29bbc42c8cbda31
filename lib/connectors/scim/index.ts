export { createScimConnector } from "./connector";
export { ZScimCredentials, ZScimDomainSettings, type TScimCredentials, type TScimDomainSettings } from "./settings";
export { describeScimCredentials } from "./connector";
