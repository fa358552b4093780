import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const gen = fileURLToPath(new URL("../../gen/ts/gen", import.meta.url));

// The build goes where services/console embeds it. In development
// (npm run dev) API calls go to a console server (go run ./deploy/local)
// named by CRM_CONSOLE_URL.
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { "@gen": gen },
    // The generated code lives outside this package: it must use this
    // package's protobuf runtime, not look for its own.
    dedupe: ["@bufbuild/protobuf"],
  },
  build: {
    outDir: fileURLToPath(new URL("../../services/console/dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 700,
    // ECharts, shared by the analysis and desk charts, in a chunk of its own name.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: "charts", test: /node_modules[\\/](echarts|zrender)[\\/]/ }] } } },
  },
  server: {
    fs: { allow: [".", gen] },
    proxy: {
      "^/(crm\\.|v1/)": { target: process.env.CRM_CONSOLE_URL ?? "http://127.0.0.1:8080", changeOrigin: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
