"""The models a fresh simulator starts with.

Names, tags and sizes follow what official Pieces clients show; local sizes other than the RAM
figures quoted in the contract are typical Q4 sizes (estimates). Ids are uuid5 of the name, so
every fresh simulator has the same ids and tests can compute them with `model_id(name)`.

About 68 models, as in Pieces OS 12.x, including newer families whose foundation values the
5.0.1 SDK's enum lacks (`NEWER_FOUNDATIONS`): its clients decode them as UNKNOWN.
"""

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

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

#: Foundation values of 12.x-era models that `pieces-os-client` 5.0.1 does not know.
NEWER_FOUNDATIONS = frozenset({
    "GPT_5", "GPT_5.1", "GPT_4.1", "CLAUDE_4.5", "CLAUDE_4.1", "CLAUDE_3.7", "GEMINI_3",
    "GEMINI_2.5", "GEMMA_3", "PHI_4", "QWEN_3",
})


def model_id(name: str) -> str:
    """The stable id the catalogue gives the model called `name`."""
    return str(uuid.uuid5(_ID_NAMESPACE, name))


def _created(day: str, now: datetime) -> dict:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return {"value": iso_timestamp(moment), "readable": _readable_age(now - moment)}


def _readable_age(age: timedelta) -> str:
    months = age.days // 30
    if months < 1:
        return "this month"
    if months < 11:
        return f"{months} months ago"
    if months < 18:
        return "about a year ago"
    return f"{round(months / 12)} years ago"


def _base(name: str, *, version: str, created: dict, model_type: str = "BALANCED",
          **optional: Any) -> dict:
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


def _cloud(name: str, unique: str, *, provider: str, foundation: str, context: int, output: int,
           now: datetime, day: str, **optional: Any) -> dict:
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


def _local(name: str, unique: str, *, provider: str, foundation: str, billions: float,
           disk_gb: float, ram_gb: float, context: int | None, now: datetime, day: str,
           downloaded: bool = False, loaded: bool = False,
           capabilities: dict[str, bool] = _LOCAL_CAPABILITIES, **optional: Any) -> dict:
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
        capabilities=capabilities,
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
    models += _newer_cloud_models(now) + _newer_local_models(now)
    return copy.deepcopy(models)  # the entries share constant sub-objects


def _newer_cloud_models(now: datetime) -> list[dict]:
    """Cloud models added in Pieces OS 11 and 12 (GPT-5.x, Claude 4.x, Gemini 2.5 and 3)."""
    openai: dict[str, Any] = {"provider": "OPENAI", "now": now}
    anthropic: dict[str, Any] = {"provider": "ANTHROPIC", "now": now, "context": 200_000}
    google: dict[str, Any] = {"provider": "GOOGLE", "now": now}
    return [
        _cloud("GPT-5 Chat Model", "gpt-5", foundation="GPT_5", context=400_000,
               output=128_000, day="2025-08-07", model_type="ACCURACY", **openai),
        _cloud("GPT-5 Mini Chat Model", "gpt-5-mini", foundation="GPT_5", context=400_000,
               output=128_000, day="2025-08-07", model_type="SPEED", **openai),
        _cloud("GPT-5.1 Chat Model", "gpt-5.1", foundation="GPT_5.1", context=400_000,
               output=128_000, day="2025-11-13", model_type="ACCURACY", **openai),
        _cloud("GPT-5.1 Codex Chat Model", "gpt-5.1-codex", foundation="GPT_5.1",
               context=400_000, output=128_000, day="2025-11-13", **openai),
        _cloud("GPT-4.1 Chat Model", "gpt-4.1", foundation="GPT_4.1", context=1_047_576,
               output=32_768, day="2025-04-14", **openai),
        _cloud("GPT-4.1 Mini Chat Model", "gpt-4.1-mini", foundation="GPT_4.1",
               context=1_047_576, output=32_768, day="2025-04-14", model_type="SPEED",
               **openai),
        _cloud("o3 Chat Model", "o3", foundation="GPT_LATEST", context=200_000,
               output=100_000, day="2025-04-16", model_type="ACCURACY", **openai),
        _cloud("o4-mini Chat Model", "o4-mini", foundation="GPT_LATEST", context=200_000,
               output=100_000, day="2025-04-16", model_type="SPEED", **openai),
        _cloud("GPT-3.5 Turbo Chat Model", "gpt-3.5-turbo", foundation="GPT_3.5",
               context=16_385, output=4_096, day="2023-11-06", model_type="SPEED", **openai),
        _cloud("Claude Sonnet 4.5 Chat Model", "claude-sonnet-4-5-20250929",
               foundation="CLAUDE_4.5", output=64_000, day="2025-09-29",
               model_type="ACCURACY", **anthropic),
        _cloud("Claude Haiku 4.5 Chat Model", "claude-haiku-4-5-20251001",
               foundation="CLAUDE_4.5", output=64_000, day="2025-10-15", model_type="SPEED",
               **anthropic),
        _cloud("Claude Opus 4.1 Chat Model", "claude-opus-4-1-20250805",
               foundation="CLAUDE_4.1", output=32_000, day="2025-08-05",
               model_type="ACCURACY", **anthropic),
        _cloud("Claude Sonnet 4 Chat Model", "claude-sonnet-4-20250514", foundation="CLAUDE_4",
               output=64_000, day="2025-05-22", **anthropic),
        _cloud("Claude Opus 4 Chat Model", "claude-opus-4-20250514", foundation="CLAUDE_4",
               output=32_000, day="2025-05-22", model_type="ACCURACY", **anthropic),
        _cloud("Claude 3.7 Sonnet Chat Model", "claude-3-7-sonnet-20250219",
               foundation="CLAUDE_3.7", output=64_000, day="2025-02-24", **anthropic),
        _cloud("Claude 3.5 Haiku Chat Model", "claude-3-5-haiku-20241022",
               foundation="CLAUDE_3.5", output=8_192, day="2024-11-04", model_type="SPEED",
               **anthropic),
        _cloud("Gemini 3 Pro Chat Model", "gemini-3-pro-preview", foundation="GEMINI_3",
               context=1_048_576, output=65_536, day="2025-11-18", model_type="ACCURACY",
               **google),
        _cloud("Gemini-2.5 Pro Chat Model", "gemini-2.5-pro", foundation="GEMINI_2.5",
               context=1_048_576, output=65_536, day="2025-06-17", **google),
        _cloud("Gemini-2.5 Flash Chat Model", "gemini-2.5-flash", foundation="GEMINI_2.5",
               context=1_048_576, output=65_536, day="2025-06-17", model_type="SPEED",
               **google),
        _cloud("Gemini-2.0 Flash Chat Model", "gemini-2.0-flash", foundation="GEMINI_2",
               context=1_048_576, output=8_192, day="2025-02-05", model_type="SPEED",
               **google),
        _cloud("Azure GPT-4o Chat Model", "azure-gpt-4o", provider="MSFT_AZURE_OPEN_AI",
               foundation="MSFT_AZURE_OPEN_AI_LATEST", context=128_000, output=16_384,
               now=now, day="2025-01-15"),
        _cloud("Bedrock Claude Sonnet 4 Chat Model", "anthropic.claude-sonnet-4-20250514-v1:0",
               provider="AWS_BEDROCK", foundation="AWS_BEDROCK_LATEST", context=200_000,
               output=64_000, now=now, day="2025-05-22"),
        _cloud("Perplexity Sonar Chat Model", "sonar", provider="PERPLEXITY",
               foundation="PERPLEXITY_DEFAULT", context=127_072, output=8_000, now=now,
               day="2025-01-21", model_type="SPEED"),
        # A team's own cloud deployment: custom, so it may be updated and deleted.
        _cloud("Acme Azure GPT-4.1 (team deployment)", "acme-gpt-4-1",
               provider="MSFT_AZURE_OPEN_AI", foundation="AZURE_CUSTOM", context=1_047_576,
               output=32_768, now=now, day="2025-06-02", custom=True,
               organization=_TEAM_ORGANIZATION),
    ]


def _newer_local_models(now: datetime) -> list[dict]:
    """Ollama models added in Pieces OS 11 and 12; sizes are typical Q4 sizes (estimates)."""
    return [
        _local(name, unique, provider=provider, foundation=foundation, billions=billions,
               disk_gb=disk_gb, ram_gb=ram_gb, context=context, now=now, day=day, **extra)
        for name, unique, provider, foundation, billions, disk_gb, ram_gb, context, day, extra
        in (
            ("Llama-3.2 3B Instruct", "llama3.2:3b-instruct-q4_K_M", "META", "LLAMA_LATEST",
             3.21, 2.02, 3.4, 131_072, "2024-09-25", {"model_type": "SPEED"}),
            ("Llama-3.2 1B Instruct", "llama3.2:1b-instruct-q4_K_M", "META", "LLAMA_LATEST",
             1.24, 0.81, 2.2, 131_072, "2024-09-25", {"model_type": "SPEED", "cpu": True}),
            ("Llama-3.3 70B Instruct", "llama3.3:70b-instruct-q4_K_M", "META", "LLAMA_3_70B",
             70.6, 42.52, 44.0, 131_072, "2024-12-06", {"model_type": "ACCURACY"}),
            ("Qwen2.5-Coder 7B Instruct", "qwen2.5-coder:7b-instruct-q4_K_M", "HUGGING_FACE",
             "QWEN_CODER_LATEST", 7.62, 4.68, 6.3, 32_768, "2024-11-12", {"downloaded": True}),
            ("Qwen2.5-Coder 14B Instruct", "qwen2.5-coder:14b-instruct-q4_K_M", "HUGGING_FACE",
             "QWEN_CODER_LATEST", 14.8, 8.99, 10.5, 32_768, "2024-11-12", {}),
            ("Qwen2.5-Coder 32B Instruct", "qwen2.5-coder:32b-instruct-q4_K_M", "HUGGING_FACE",
             "QWEN_CODER_LATEST", 32.8, 19.85, 22.0, 32_768, "2024-11-12",
             {"model_type": "ACCURACY"}),
            ("Qwen3 8B", "qwen3:8b-q4_K_M", "HUGGING_FACE", "QWEN_3", 8.19, 5.2, 6.6, 40_960,
             "2025-04-29", {}),
            ("QwQ 32B", "qwq:32b-q4_K_M", "HUGGING_FACE", "QWQ_LATEST", 32.8, 19.85, 22.0,
             40_960, "2025-03-06", {"model_type": "ACCURACY"}),
            ("DeepSeek-R1 7B", "deepseek-r1:7b-qwen-distill-q4_K_M", "HUGGING_FACE",
             "DEEPSEEK_LATEST", 7.62, 4.68, 6.2, 131_072, "2025-01-20", {"downloaded": True}),
            ("DeepSeek-R1 14B", "deepseek-r1:14b-qwen-distill-q4_K_M", "HUGGING_FACE",
             "DEEPSEEK_LATEST", 14.8, 8.99, 10.6, 131_072, "2025-01-20", {}),
            ("DeepSeek-Coder-V2 16B Lite", "deepseek-coder-v2:16b-lite-instruct-q4_K_M",
             "HUGGING_FACE", "DEEPSEEK_LATEST", 15.7, 10.36, 11.2, 163_840, "2024-06-17", {}),
            ("Codestral 22B", "codestral:22b-v0.1-q4_K_M", "HUGGING_FACE", "CODESTRAL_LATEST",
             22.2, 13.34, 14.6, 32_768, "2024-05-29", {}),
            ("Mistral-Nemo 12B Instruct", "mistral-nemo:12b-instruct-2407-q4_K_M",
             "HUGGING_FACE", "MISTRAL_LATEST", 12.2, 7.48, 8.4, 131_072, "2024-07-18", {}),
            ("gemma-2-9b-it", "gemma2:9b-instruct-q4_K_M", "GOOGLE", "GEMMA_2_9B", 9.24, 5.76,
             7.0, 8_192, "2024-06-27", {}),
            ("gemma-2-2b-it", "gemma2:2b-instruct-q4_K_M", "GOOGLE", "GEMMA_LATEST", 2.61,
             1.71, 2.5, 8_192, "2024-07-31", {"model_type": "SPEED", "cpu": True}),
            ("gemma-3-12b-it", "gemma3:12b-it-q4_K_M", "GOOGLE", "GEMMA_3", 12.2, 8.15, 9.5,
             131_072, "2025-03-12", {}),
            ("gemma-3-4b-it", "gemma3:4b-it-q4_K_M", "GOOGLE", "GEMMA_3", 4.3, 3.34, 4.2,
             131_072, "2025-03-12", {"model_type": "SPEED"}),
            ("Phi-4 14B", "phi4:14b-q4_K_M", "MICROSOFT", "PHI_4", 14.7, 9.05, 10.5, 16_384,
             "2024-12-12", {"model_type": "ACCURACY"}),
            ("Phi-3.5-mini-instruct", "phi3.5:3.8b-mini-instruct-q4_K_M", "MICROSOFT",
             "PHI_LATEST", 3.82, 2.18, 3.5, 131_072, "2024-08-20", {"model_type": "SPEED"}),
            ("granite-3.1-dense-8b-instruct", "granite3.1-dense:8b-instruct-q4_K_M", "IBM",
             "GRANITE_LATEST", 8.17, 4.98, 6.2, 131_072, "2024-12-18", {}),
            ("StarCoder2 15B", "starcoder2:15b-q4_K_M", "HUGGING_FACE", "STARCODER_LATEST",
             16.0, 9.86, 10.8, 16_384, "2024-02-28", {}),
            ("LLaVA 7B", "llava:7b-v1.6-mistral-q4_K_M", "HUGGING_FACE", "LLAVA_LATEST", 7.24,
             4.37, 6.0, 32_768, "2024-01-30",
             {"capabilities": {**_LOCAL_CAPABILITIES, "images": True}}),
        )
    ]
