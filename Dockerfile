# syntax=docker/dockerfile:1
# Build on the current Node LTS; the code also runs on Node 20 (engines: >=20).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
# Plans are not in the image: mount yours (a ConfigMap, a volume) at PLANS_DIR. Without them serve and the
# worker refuse to start, and nobody can start the demo plan (or its scripts) against production.
ENV NODE_ENV=production PORT=3000 WORKER_PORT=3001 PLANS_DIR=/etc/flightdeck/plans
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
USER node
EXPOSE 3000 3001
# serve answers /health on PORT, the worker on WORKER_PORT: the probe reads which one PID 1 is (the command given to the image).
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "const worker=require('fs').readFileSync('/proc/1/cmdline','utf8').split('\\0').includes('worker');const port=worker?(process.env.WORKER_PORT||3001):(process.env.PORT||3000);fetch('http://127.0.0.1:'+port+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `flightdeck worker` runs from the same image with a different command.
ENTRYPOINT ["node", "bin/flightdeck.js"]
CMD ["serve"]
