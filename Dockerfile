# GPU image: CUDA runtime, Node 20, ffmpeg, ONNX Runtime's CUDA execution provider and
# @tensorflow/tfjs-node-gpu. On hosts without a GPU the same image runs on the CPU paths.
#   docker build -t ssd-stream .
#   docker run --gpus all -p 8080:8080 ssd-stream            # the demo
#   docker run --gpus all -p 8080:8080 -v $PWD/pipelines:/app/pipelines ssd-stream \
#     serve --pipeline pipelines/surveillance.yaml
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg ffmpeg fonts-dejavu-core \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Wins over .npmrc's onnxruntime-node-install=skip: fetch the CUDA 12 EP libraries at install.
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
COPY package.json package-lock.json .npmrc ./
# npm 11 skips dependency install scripts, so run onnxruntime-node's CUDA download explicitly.
RUN npm ci --no-audit --no-fund \
 && (cd node_modules/onnxruntime-node && node script/install.js)
RUN npm install --no-save --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0 || echo "tfjs-node-gpu unavailable: training falls back to CPU backends"
COPY . .
RUN npm run build && node bin/ssd-stream.js models build

ENV SSDS_EXECUTION_PROVIDER=auto
EXPOSE 8080
ENTRYPOINT ["node", "bin/ssd-stream.js"]
CMD ["demo", "--host", "0.0.0.0"]
