// ws ships no type declarations of its own; the tests only hand its constructor to graphql-ws.
declare module "ws" {
  const WebSocket: any;
  export default WebSocket;
}
