# Gatehouse container image: what `npm start` runs (node dist/main.js serve), as a non-root user.
# No container engine runs where Gatehouse is developed and tested: this file is not built by CI.
# The multi-node layout it serves in (deploy/compose.yaml, deploy/k8s) mirrors scripts/cluster.mjs,
# which CI does run. Build: docker build -t gatehouse .

FROM node:20-slim AS build
WORKDIR /app
COPY . .
# npm ci runs the `prepare` script: the server (dist/) and the console (console/dist/) are built here.
# better-sqlite3 and @node-rs/argon2 install prebuilt binaries for glibc on x64 and arm64.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GATEWAY_PORT=8081 \
    GATEHOUSE_DATA_DIR=/data \
    GATEHOUSE_DATABASE_URL=sqlite:/data/gatehouse.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
# The image's `node` user (uid 1000) owns only the data directory (SQLite file, generated secret).
RUN mkdir -m 700 /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080 8081
# /healthz answers on both ports; a node of role gateway has no OAuth port, so probe what is set.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "const p=process.env.GATEHOUSE_ROLE==='gateway'?process.env.GATEWAY_PORT:process.env.PORT;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
