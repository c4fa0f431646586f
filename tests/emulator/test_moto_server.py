"""moto as a separate process: starts on a free port, resets, stops."""

from __future__ import annotations

import boto3
import pytest

from tether.emulator import MotoServer, MotoServerError, running_moto_server


def test_own_server_resets_and_stops(moto_server: MotoServer) -> None:
    with running_moto_server() as server:
        assert server.endpoint_url != moto_server.endpoint_url
        sqs = boto3.client(
            "sqs",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        sqs.create_queue(QueueName="reset-me")
        assert len(sqs.list_queues()["QueueUrls"]) == 1
        server.reset()
        assert "QueueUrls" not in sqs.list_queues()
        log_path = server.log_path
        assert log_path is not None
        assert log_path.exists()
    assert not log_path.exists()
    with pytest.raises(MotoServerError):
        _ = server.endpoint_url
