"""Seed the AI tool vocabulary entrants pick from (free text covers the rest)."""

from django.db import migrations

TOOLS = [
    # slug, name, vendor, typical stages
    ("runway", "Runway", "Runway", ["video", "image", "edit"]),
    ("sora", "Sora", "OpenAI", ["video"]),
    ("veo", "Veo", "Google", ["video"]),
    ("kling", "Kling", "Kuaishou", ["video"]),
    ("luma", "Luma Dream Machine", "Luma AI", ["video"]),
    ("pika", "Pika", "Pika Labs", ["video"]),
    ("hailuo", "Hailuo / MiniMax", "MiniMax", ["video"]),
    ("wan", "Wan", "Alibaba", ["video"]),
    ("midjourney", "Midjourney", "Midjourney", ["image"]),
    ("stable-diffusion", "Stable Diffusion", "Stability AI", ["image", "video"]),
    ("flux", "Flux", "Black Forest Labs", ["image"]),
    ("dall-e", "DALL·E / GPT Image", "OpenAI", ["image"]),
    ("firefly", "Adobe Firefly", "Adobe", ["image", "video", "edit"]),
    ("comfyui", "ComfyUI", "", ["image", "video"]),
    ("elevenlabs", "ElevenLabs", "ElevenLabs", ["voice", "music"]),
    ("suno", "Suno", "Suno", ["music"]),
    ("udio", "Udio", "Udio", ["music"]),
    ("chatgpt", "ChatGPT", "OpenAI", ["script"]),
    ("claude", "Claude", "Anthropic", ["script"]),
    ("gemini", "Gemini", "Google", ["script"]),
    ("topaz", "Topaz Video AI", "Topaz Labs", ["upscale"]),
    ("descript", "Descript", "Descript", ["edit", "voice"]),
]


def seed(apps, schema_editor):
    AITool = apps.get_model("submissions", "AITool")
    for slug, name, vendor, stages in TOOLS:
        AITool.objects.update_or_create(slug=slug, defaults={"name": name, "vendor": vendor, "stages": stages})


def unseed(apps, schema_editor):
    AITool = apps.get_model("submissions", "AITool")
    AITool.objects.filter(slug__in=[t[0] for t in TOOLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("submissions", "0002_entry_details")]
    operations = [migrations.RunPython(seed, unseed)]
