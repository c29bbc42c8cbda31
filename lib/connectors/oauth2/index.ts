export { createOAuth2Connector, type OAuth2ConnectorOptions } from "./connector";
export { ZOAuth2Credentials, ZOAuth2DomainSettings, type TOAuth2Credentials, type TOAuth2DomainSettings } from "./settings";
export { describeOAuth2Credentials } from "./connector";
