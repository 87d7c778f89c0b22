FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tasks_service ./tasks_service
COPY workers ./workers
COPY seeds ./seeds
RUN pip install --no-cache-dir .
ENV DATA_DIR=/data
EXPOSE 8000
CMD ["tasks-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
