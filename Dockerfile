# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bench ./bench
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies, compiled code, migrations, locales and sample data.
# Production mode: the simulator off, weak keys refused, /metrics off until METRICS_TOKEN is set.
# HOST is every interface of the container; publish the port as narrowly as you mean it.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY locales ./locales
COPY data/sample-catalog.yaml ./data/sample-catalog.yaml
# The purposes file (lawful basis, retention per purpose): read at start, or PURPOSES_FILE.
COPY data/purposes.yaml ./data/purposes.yaml
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
