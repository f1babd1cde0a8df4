export {
  canonicalGatewayResource,
  defaultGatewayResource,
  isGatewayResource,
} from './gateway-resource';
