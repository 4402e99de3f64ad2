# The equiscale image: coordinator and workers (`equiscale k8s manifests --image IMAGE` runs it on Kubernetes).
#   docker build -t registry.example/equiscale:1.0 .
# The sources run through tsx's loader (no build step), exactly as after `npm ci` in a clone.
# GPU workers: install @tensorflow/tfjs-node-gpu on a CUDA base instead (see README "Running on Kubernetes").
FROM node:20-bookworm-slim

WORKDIR /app
# (no NODE_ENV=production: npm ci would then leave out devDependencies, and tsx among the root ones)
ENV EQUISCALE_CACHE_DIR=/tmp/equiscale-cache \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# The whole workspace (see .dockerignore): npm ci needs every workspace's package.json beside the lock file.
COPY . .
RUN npm ci --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /app/.equiscale && chown node:node /app/.equiscale

# uid 1000, as the Kubernetes manifests' securityContext expects
USER node
EXPOSE 50051

# Exec form: node itself is PID 1 (no shell in between), so the runtime's SIGTERM reaches it; coordinator and
# worker both handle SIGTERM (a worker checkpoints and hands its trial back), which PID 1 needs: the kernel
# drops signals PID 1 has no handler for.
ENTRYPOINT ["node", "/app/apps/cli/bin/equiscale.mjs"]
CMD ["--help"]
