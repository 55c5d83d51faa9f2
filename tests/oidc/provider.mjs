// A real OpenID provider for the sign-in tests: the certified `oidc-provider` package with its
// own login and consent pages (any login name, any password). Listens on 127.0.0.1 on a free
// port and prints one JSON line {"issuer": "..."} on stdout once it serves.
//
// Arguments: CLIENT_ID CLIENT_SECRET REDIRECT_URI
import http from "node:http";
import Provider from "oidc-provider";

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!redirectUri) {
  console.error("usage: node provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI");
  process.exit(2);
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    // The login name becomes the subject; a staff member's agency is a claim of its own.
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: `Officer ${sub}` }),
    }),
    claims: { openid: ["sub"], profile: ["name"] },
    pkce: { required: () => true },
    cookies: { keys: ["dxgate-test-provider-cookie-key"] },
    features: { devInteractions: { enabled: true } },
  });
  provider.on("server_error", (_ctx, err) => console.error("provider error:", err));
  server.on("request", provider.callback());
  console.log(JSON.stringify({ issuer }));
});
