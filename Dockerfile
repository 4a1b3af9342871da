# syntax=docker/dockerfile:1
# Honnin gateway. The webpack bundle keeps node_modules packages external, so the runtime stage
# installs the production dependencies from the same lockfile the build used.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NX_DAEMON=false NX_USE_LOCAL=true NX_NO_CLOUD=true
# The manifest and lockfile alone first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npx nx run gateway:build --output-style=static

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Both files unchanged: `npm ci` refuses a package.json whose `overrides` disagree with the lockfile.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist/apps/gateway ./dist/apps/gateway
# Without DATABASE_URL the gateway runs the embedded Postgres in ./.honnin-data, which must be writable.
RUN mkdir .honnin-data && chown node:node .honnin-data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/gateway/main.js"]
