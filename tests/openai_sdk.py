"""OpenAI's official Python SDK, unchanged, against a running folio server.

Usage: openai_sdk.py BASE_URL PDF_FILE [API_KEY]

Lists models, embeds, uploads files, runs a batch of embeddings and a batch of documents
to completion, reads their output files, lists batches, cancels a batch and deletes a file,
all through the SDK's own calls. Prints "ok" at the end; any failure raises.
"""

import json
import sys
import time

from openai import OpenAI


def wait(client, batch_id, timeout=300):
    t = time.time()
    while True:
        b = client.batches.retrieve(batch_id)
        if b.status in ("completed", "failed", "cancelled", "expired"):
            return b
        assert time.time() - t < timeout, f"batch still {b.status}"
        time.sleep(0.2)


def jsonl(url, bodies):
    lines = [
        json.dumps({"custom_id": cid, "method": "POST", "url": url, "body": body})
        for cid, body in bodies
    ]
    return ("\n".join(lines) + "\n").encode()


def main():
    base, pdf = sys.argv[1], sys.argv[2]
    key = sys.argv[3] if len(sys.argv) > 3 else "no-key-needed"
    client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)

    ids = [m.id for m in client.models.list()]
    assert "all-MiniLM-L6-v2" in ids and "accurate" in ids, ids
    assert client.models.retrieve("all-MiniLM-L6-v2").object == "model"

    emb = client.embeddings.create(model="all-MiniLM-L6-v2", input=["hello", "world"])
    assert [len(d.embedding) for d in emb.data] == [384, 384]

    # A batch of embeddings.
    data = jsonl("/v1/embeddings", [("a", {"input": "first"}), ("b", {"input": ["x", "y"]})])
    inp = client.files.create(file=("emb.jsonl", data), purpose="batch")
    assert inp.object == "file" and inp.purpose == "batch" and inp.bytes == len(data)
    assert client.files.retrieve(inp.id).filename == "emb.jsonl"
    assert client.files.content(inp.id).read() == data
    batch = client.batches.create(
        input_file_id=inp.id,
        endpoint="/v1/embeddings",
        completion_window="24h",
        metadata={"suite": "sdk"},
    )
    assert batch.status == "validating" and batch.metadata == {"suite": "sdk"}
    done = wait(client, batch.id)
    assert done.status == "completed", done
    assert done.request_counts.total == 2 and done.request_counts.completed == 2, done
    out = [json.loads(l) for l in client.files.content(done.output_file_id).text.splitlines()]
    assert [o["custom_id"] for o in out] == ["a", "b"]
    assert len(out[1]["response"]["body"]["data"]) == 2

    # A batch of documents, from a file uploaded for it.
    doc = client.files.create(file=open(pdf, "rb"), purpose="user_data")
    data = jsonl("/v1/documents", [("d", {"file_id": doc.id, "pipeline": "fast"})])
    inp2 = client.files.create(file=("docs.jsonl", data), purpose="batch")
    batch2 = client.batches.create(
        input_file_id=inp2.id, endpoint="/v1/documents", completion_window="24h"
    )
    done2 = wait(client, batch2.id)
    assert done2.status == "completed", done2
    line = json.loads(client.files.content(done2.output_file_id).text)
    assert line["response"]["body"]["id"].startswith("doc_"), line

    listed = [b.id for b in client.batches.list(limit=1)]
    assert batch.id in listed and batch2.id in listed, listed

    # Cancel: a batch of many slow lines stops.
    data = jsonl(
        "/v1/documents",
        [(f"c{i}", {"file_id": doc.id, "pipeline": "accurate", "index": False}) for i in range(20)],
    )
    inp3 = client.files.create(file=("slow.jsonl", data), purpose="batch")
    batch3 = client.batches.create(
        input_file_id=inp3.id, endpoint="/v1/documents", completion_window="24h"
    )
    cancelled = client.batches.cancel(batch3.id)
    assert cancelled.status in ("cancelling", "cancelled"), cancelled
    assert wait(client, batch3.id).status == "cancelled"

    files = [f.id for f in client.files.list()]
    assert inp.id in files and doc.id in files
    gone = client.files.delete(inp.id)
    assert gone.deleted and gone.id == inp.id
    print("ok")


if __name__ == "__main__":
    main()
