"""The models a fresh simulator starts with.

Names, tags and sizes follow what official Pieces clients show; local sizes other than the RAM
figures quoted in the contract are typical Q4 sizes (estimates). Ids are uuid5 of the name, so
every fresh simulator has the same ids and tests can compute them with `model_id(name)`.
"""

import copy
import uuid
from datetime import UTC, datetime

from .wire import EMBEDDED_SCHEMA, GIGABYTE, byte_descriptor, iso_timestamp

_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pieces.app/simulator/models")
_TEAM_ORGANIZATION = {"id": str(uuid.uuid5(_ID_NAMESPACE, "organization:Acme Platform Team"))}

_CLOUD_CAPABILITIES = {
    "assets": True,
    "codebases": True,
    "documents": True,
    "images": True,
    "temporal": True,
    "videos": False,
    "websites": True,
}
_LOCAL_CAPABILITIES = {"assets": True, "codebases": True, "documents": True, "images": False}


def model_id(name: str) -> str:
    """The stable id the catalogue gives the model called `name`."""
    return str(uuid.uuid5(_ID_NAMESPACE, name))


def _created(day: str, now: datetime) -> dict:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return {"value": iso_timestamp(moment), "readable": _readable_age(now - moment)}


def _readable_age(age) -> str:
    months = age.days // 30
    if months < 1:
        return "this month"
    if months < 11:
        return f"{months} months ago"
    if months < 18:
        return "about a year ago"
    return f"{round(months / 12)} years ago"


def _base(name, *, version, created, model_type="BALANCED", **optional) -> dict:
    return {
        "id": model_id(name),
        "name": name,
        "version": version,
        "created": created,
        "type": model_type,
        "usage": "CODE_CONVERSATION",
        "schema": EMBEDDED_SCHEMA,
        **optional,
    }


def _cloud(name, unique, *, provider, foundation, context, output, now, day, **optional) -> dict:
    return _base(
        name,
        version=day,
        created=_created(day, now),
        cloud=True,
        unique=unique,
        provider=provider,
        foundation=foundation,
        parameters=None,
        maxTokens={"total": context, "input": context - output, "output": output},
        capabilities=_CLOUD_CAPABILITIES,
        downloaded=False,
        downloading=False,
        loaded=False,
        **optional,
    )


def _local(name, unique, *, provider, foundation, billions, disk_gb, ram_gb, context, now, day,
           downloaded=False, loaded=False, **optional) -> dict:
    return _base(
        name,
        version="1.0.0",
        created=_created(day, now),
        cloud=False,
        unique=unique,
        provider=provider,
        foundation=foundation,
        parameters=billions,
        quantization="q4_K_S",
        bytes=byte_descriptor(round(disk_gb * GIGABYTE)),
        ram=byte_descriptor(round(ram_gb * GIGABYTE)),
        maxTokens={"total": context},
        capabilities=_LOCAL_CAPABILITIES,
        downloaded=downloaded,
        downloading=False,
        loaded=loaded,
        **optional,
    )


def initial_models(now: datetime | None = None) -> list[dict]:
    """A fresh list of fresh model dicts (callers may mutate them freely)."""
    now = now or datetime.now(UTC)
    models = [
        # Cloud models: never downloaded or loaded on this machine.
        _cloud("GPT-4o Chat Model", "gpt-4o", provider="OPENAI", foundation="GPT_4",
               context=128_000, output=4_096, now=now, day="2024-05-13",
               description="OpenAI's flagship multimodal model.", model_type="ACCURACY",
               score={"manual": 3, "automatic": 41}),
        _cloud("GPT-4o Mini Chat Model", "gpt-4o-mini", provider="OPENAI",
               foundation="GPT_LATEST", context=128_000, output=16_384, now=now,
               day="2024-07-18", model_type="SPEED"),
        _cloud("GPT-4 Turbo Chat Model", "gpt-4-turbo", provider="OPENAI", foundation="GPT_4",
               context=128_000, output=4_096, now=now, day="2024-04-09"),
        _cloud("Claude 3.5 Sonnet Chat Model", "claude-3-5-sonnet-20241022",
               provider="ANTHROPIC", foundation="CLAUDE_3.5", context=200_000, output=8_192,
               now=now, day="2024-10-22", model_type="ACCURACY",
               description="Anthropic's most capable model for code.",
               score={"manual": 5, "automatic": 27, "priority": 1}),
        _cloud("Claude 3 Haiku Chat Model", "claude-3-haiku-20240307", provider="ANTHROPIC",
               foundation="CLAUDE_3", context=200_000, output=4_096, now=now, day="2024-03-07",
               model_type="SPEED"),
        _cloud("Gemini-1.5 Pro Chat Model", "gemini-1.5-pro", provider="GOOGLE",
               foundation="GEMINI_1.5", context=2_000_000, output=8_192, now=now,
               day="2024-05-14"),
        _cloud("Gemini-1.5 Flash Chat Model", "gemini-1.5-flash", provider="GOOGLE",
               foundation="GEMINI_1.5", context=1_000_000, output=8_192, now=now,
               day="2024-05-14", model_type="SPEED"),
        _cloud("Codey (PaLM2) Chat Model", "codechat-bison", provider="GOOGLE",
               foundation="CODECHAT_BISON", context=8_192, output=2_048, now=now,
               day="2023-06-07", denied=True,
               description="Retired by Google; kept in the list but disabled."),
        # Local models: Ollama tags, CPU and GPU variants.
        _local("Llama-3 8B Instruct", "llama3.1:8b-instruct-q4_K_S", provider="META",
               foundation="LLAMA_3_8B", billions=8, disk_gb=4.69, ram_gb=5.8, context=8_192,
               now=now, day="2024-07-23", downloaded=True, loaded=True,
               description="Meta's Llama 3.1 8B, instruction tuned.",
               score={"manual": 8, "automatic": 120, "reuse": 14}),
        _local("Llama2 CPU Chat Model", "llama2:7b-chat-q4_K_S", provider="META",
               foundation="LLAMA_2_7B", billions=7, disk_gb=3.83, ram_gb=5.6, context=4_096,
               now=now, day="2023-07-18", cpu=True, model_type="SPEED"),
        _local("Llama2 GPU Chat Model", "llama2:7b-chat-q4_K_S", provider="META",
               foundation="LLAMA_2_7B", billions=7, disk_gb=3.83, ram_gb=5.6, context=4_096,
               now=now, day="2023-07-18", cpu=False),
        _local("NeuralHermes-2.5-Mistral-7B GPU Chat Model", "mistral:7b-instruct-q4_K_S",
               provider="HUGGING_FACE", foundation="MISTRAL_7B", billions=7.24, disk_gb=4.14,
               ram_gb=6.0, context=8_192, now=now, day="2023-11-29", cpu=False),
        _local("Phi-2 CPU Chat Model", "phi:2.7b-chat-v2-q4_K_S", provider="MICROSOFT",
               foundation="PHI_2", billions=2.7, disk_gb=1.62, ram_gb=3.1, context=2_048,
               now=now, day="2023-12-12", cpu=True, model_type="SPEED"),
        _local("Phi-3-mini-4k-instruct", "phi3:3.8b-mini-4k-instruct-q4_K_S",
               provider="MICROSOFT", foundation="PHI_3_MINI", billions=3.8, disk_gb=2.19,
               ram_gb=3.2, context=4_096, now=now, day="2024-04-23", downloaded=True,
               model_type="SPEED"),
        _local("Phi-3-mini-128k-instruct", "phi3:3.8b-mini-128k-instruct-q4_K_S",
               provider="MICROSOFT", foundation="PHI_3_MINI", billions=3.8, disk_gb=2.19,
               ram_gb=4.1, context=128_000, now=now, day="2024-04-23"),
        _local("gemma-1.1-7b-it", "gemma:7b-instruct-v1.1-q4_K_S", provider="GOOGLE",
               foundation="GEMMA_1.1_7B", billions=8.54, disk_gb=5.01, ram_gb=6.4,
               context=8_192, now=now, day="2024-04-05"),
        _local("gemma-1.1-2b-it", "gemma:2b-instruct-v1.1-q4_K_S", provider="GOOGLE",
               foundation="GEMMA_1.1_2B", billions=2.51, disk_gb=1.64, ram_gb=2.4,
               context=8_192, now=now, day="2024-04-05", model_type="SPEED"),
        _local("codegemma-1.1-7b-it", "codegemma:7b-instruct-v1.1-q4_K_S", provider="GOOGLE",
               foundation="CODE_GEMMA_7B", billions=8.54, disk_gb=5.01, ram_gb=6.4,
               context=8_192, now=now, day="2024-05-03"),
        _local("granite-8b-code-instruct", "granite-code:8b-instruct-q4_K_S", provider="IBM",
               foundation="GRANITE_8B", billions=8.05, disk_gb=4.59, ram_gb=5.8,
               context=4_096, now=now, day="2024-05-06", model_type="ACCURACY"),
        _local("granite-3b-code-instruct", "granite-code:3b-instruct-q4_K_S", provider="IBM",
               foundation="GRANITE_3B", billions=3.48, disk_gb=1.99, ram_gb=2.6,
               context=2_048, now=now, day="2024-05-06", downloaded=True, model_type="SPEED"),
        _local("Mixtral GPU Chat Model", "mixtral:8x7b-instruct-v0.1-q4_K_S",
               provider="HUGGING_FACE", foundation="MIXTRAL_8_x_7B", billions=46.7,
               disk_gb=26.44, ram_gb=27.5, context=32_768, now=now, day="2023-12-11",
               cpu=False, model_type="ACCURACY"),
        # Custom models: an organisation's fine-tunes, the only ones that may be updated.
        _local("Acme Support Llama-3 8B (fine-tune)", "acme/support-llama3:8b-q4_K_S",
               provider="META", foundation="LLAMA_3_8B", billions=8, disk_gb=4.92, ram_gb=6.1,
               context=8_192, now=now, day="2024-09-02", downloaded=True, custom=True,
               organization=_TEAM_ORGANIZATION,
               description="Llama 3 fine-tuned on Acme's support tickets."),
        # Its context size was never recorded: the contract allows a null total.
        _local("Acme Code Review Qwen (fine-tune)", "acme/review-qwen2.5-coder:7b-q4_K_S",
               provider="HUGGING_FACE", foundation="QWEN_CODER_LATEST", billions=7.62,
               disk_gb=4.68, ram_gb=6.3, context=None, now=now, day="2024-11-20",
               custom=True, organization=_TEAM_ORGANIZATION),
    ]
    return copy.deepcopy(models)  # the entries share constant sub-objects
