import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TransportProvider } from "@connectrpc/connect-query";
import { ConnectError, Code } from "@connectrpc/connect";
import { transport } from "./api";
import { takeFragmentToken } from "./session";
import { App } from "./App";
import "./styles.css";

// The local runner's sign-in link carries the token in the fragment: take
// it once and drop it from the address (and so from the history).
const rest = takeFragmentToken(location.hash, sessionStorage);
if (rest !== null) history.replaceState(null, "", location.pathname + location.search + rest);

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // Retrying a refused or invalid call cannot help.
      retry: (n, err) => n < 2 && !(err instanceof ConnectError && [Code.Unauthenticated, Code.PermissionDenied, Code.InvalidArgument, Code.NotFound, Code.FailedPrecondition].includes(err.code)),
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </TransportProvider>
  </StrictMode>,
);
