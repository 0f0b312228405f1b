"""The ``fairdesk`` command: demo, serve, worker, check-production, manage, areas, network."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

DEMO_ADMIN = ("admin", "fairdesk-demo")


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairdesk.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    _django_setup()
    from django.core.management import call_command

    call_command(*args)


def default_web_workers() -> int:
    """``fairdesk serve``'s gunicorn workers: ``WEB_CONCURRENCY`` when set (the variable gunicorn
    and hosting platforms use), else one per CPU and one more.

    A sync worker waits for about a third of each request: on PostgreSQL's answers, on Redis, on
    the client closing the connection. With one worker per core a core idles whenever its worker
    waits; one more worker fills those waits. On the 2-core machine with PostgreSQL beside it, 3
    workers filed 327–382 creations/s (p99 63–75 ms) where 2 filed 221–294 (p99 84–131 ms) and
    4 filed 271–315, runs alternated (bench/bench_requests.py, docs/benchmarks.md: "Request
    creation"): 3 did the most in every round, with the least CPU per creation; more workers
    take turns on the cores. Gunicorn's rule of thumb, 2 × CPUs + 1, assumes workers wait half
    their time. At least two, so that one long request (an export, a coverage import) never
    holds the whole server. With the database on another machine, workers wait longer: raise
    WEB_CONCURRENCY (or --workers). Sync workers read a request body as it arrives: in
    production put a buffering reverse proxy (nginx) in front, as for TLS, so that a slow upload
    does not hold a worker.
    """
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    if value:
        try:
            workers = int(value)
        except ValueError:
            raise SystemExit(
                f"WEB_CONCURRENCY must be a whole number of workers, not {value!r}"
            ) from None
        if workers < 1:
            raise SystemExit(f"WEB_CONCURRENCY must be at least 1, not {workers}")
        return workers
    return (os.cpu_count() or 1) + 1


def _gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "fairdesk.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # the application loaded and warmed up once, before the workers fork (gunicorn_conf)
        "--config",
        "python:fairdesk.gunicorn_conf",
        "--graceful-timeout",
        "10",
    ]


def _supervise(primary: list[str], helpers: list[list[str]]) -> int:
    """Run ``primary`` in the foreground with the ``helpers`` beside it, as child processes;
    SIGTERM or SIGINT stops them all, and so does the primary's end. Returns the primary's
    exit status."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="fairdesk.settings")
    children = [subprocess.Popen(argv, env=env) for argv in helpers]
    main = subprocess.Popen(primary, env=env)
    children.append(main)

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = main.wait()
    finally:
        stop(signal.SIGTERM, None)
        for child in children:
            child.wait(timeout=15)
    return code


def _worker_argv() -> list[str]:
    return [sys.executable, "-m", "fairdesk.cli", "worker"]


def _run_server_with_worker(host: str, port: int, workers: int, with_worker: bool) -> int:
    """Run gunicorn in the foreground and, if asked, the background worker beside it."""
    return _supervise(_gunicorn_argv(host, port, workers), [_worker_argv()] if with_worker else [])


def cmd_demo(ns: argparse.Namespace) -> int:
    os.environ.setdefault("FAIRDESK_DATA_DIR", "var/demo")
    # the one mark of the demo (settings.DEMO): the outbox page shows the text of messages,
    # sign-in codes included, since no SMS gateway delivers them
    os.environ["FAIRDESK_DEMO"] = "true"
    # links in the demo's messages (renewal reminders, price notices) point at this server
    os.environ.setdefault("PUBLIC_URL", f"http://{ns.host}:{ns.port}")
    _django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo")
    url = f"http://{ns.host}:{ns.port}/"
    print()
    print("=" * 72)
    print(f"  fairdesk demo 演示 · the brand's service home 服务首页  →  {url}")
    print(
        f"  customer 客户登录     →  {url}login/   13800000001 (张三), 13800000002 (李四); "
        f"the code 验证码 → {url}outbox/ (as agent or admin 客服或管理员账号)"
    )
    print(f"  customer portal 客户服务 →  {url}portal/   (book a repair 报修, deadlines 时限)")
    print(f"  staff sign-in 员工登录 →  {url}staff/login/   lands on the console 工作台")
    print(
        f"  role logins 角色账号 (password 密码 {DEMO_ADMIN[1]}): "
        "agent, dispatcher, technician, outlet_manager, brand_admin, auditor; "
        "agent2 (a second agent, away 休息中)"
    )
    print(
        f"  staff console 客服/网点工作台 →  {url}console/   "
        "(agent 客服; outlet_manager / technician of the demo outlet 演示网点)"
    )
    print(f"  admin 管理后台       →  {url}admin/   login 登录: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}")
    print(f"  API docs 接口文档     →  {url}api/v1/docs")
    print("=" * 72, flush=True)
    return _run_server_with_worker(ns.host, ns.port, ns.workers, with_worker=True)


def sms_refusal(*, allow_without_gateway: bool = False) -> str | None:
    """Why ``fairdesk serve`` must not start, in one sentence, or None: the notifications'
    system checks (``notifications/checks.py``, deployment checks included). With
    ``allow_without_gateway`` (``--without-sms``) the lack of a gateway is accepted; a wrong
    gateway never is."""
    _django_setup()
    from django.core.checks import ERROR, run_checks

    from fairdesk.notifications.checks import TAG

    errors = [
        m
        for m in run_checks(tags=[TAG], include_deployment_checks=True)
        if m.level >= ERROR and not (allow_without_gateway and m.id == "notifications.E010")
    ]
    if not errors:
        return None
    if any(m.id == "notifications.E010" for m in errors):
        return (
            "fairdesk serve: not starting, because no SMS gateway is configured and so no "
            "customer would receive a sign-in code: set SMS_PROVIDER and its variables "
            "(docs/notifications.md), or start with --without-sms (FAIRDESK_WITHOUT_SMS=true) "
            "to run without text messages on purpose."
        )
    return "fairdesk serve: not starting, because the SMS gateway is misconfigured: " + " ".join(
        str(m.msg) for m in errors
    )


def cmd_serve(ns: argparse.Namespace) -> int:
    workers = ns.workers or default_web_workers()  # a wrong WEB_CONCURRENCY stops here
    if ns.without_sms:
        os.environ["FAIRDESK_WITHOUT_SMS"] = "true"
    refusal = sms_refusal(allow_without_gateway=ns.without_sms)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    _manage("migrate", "--noinput")
    _manage("collectstatic", "--noinput", "--verbosity", "0")
    return _run_server_with_worker(ns.host, ns.port, workers, with_worker=not ns.no_worker)


def cmd_worker(ns: argparse.Namespace) -> int:
    """The background worker: Huey's consumer (the periodic jobs) in the foreground, and the
    outbox's deliverer beside it (``deliver_messages``)."""
    manage = [sys.executable, "-m", "fairdesk.cli", "manage"]
    return _supervise([*manage, "run_huey"], [[*manage, "deliver_messages"]])


def cmd_check_production(ns: argparse.Namespace) -> int:
    """Every missing piece of a production install, with how to fix it (``check_production``);
    non-zero when something is missing."""
    from django.core.management import CommandError

    _django_setup()
    from django.core.management import call_command

    try:
        call_command("check_production", lang=ns.lang)
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return exc.returncode
    return 0


def cmd_manage(ns: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fairdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fairdesk manage", *ns.args])
    return 0


def cmd_areas(ns: argparse.Namespace) -> int:
    from fairdesk.areas import cli as areas_cli

    return areas_cli.run(ns)


def cmd_network_import(ns: argparse.Namespace) -> int:
    _manage("import_coverage", ns.outlet_code, ns.file, *(["--replace"] if ns.replace else []))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fairdesk", description="fairdesk after-sales platform")
    sub = parser.add_subparsers(dest="command", required=True)

    def server_args(p: argparse.ArgumentParser, workers: int | None) -> None:
        p.add_argument("--host", default=os.environ.get("FAIRDESK_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        p.add_argument(
            "--workers",
            type=int,
            default=workers,
            help="gunicorn worker processes (default: "
            + (str(workers) if workers else "$WEB_CONCURRENCY, else one per CPU and one more")
            + ")",
        )

    p = sub.add_parser("demo", help="migrate, seed demo data and serve (SQLite in var/demo)")
    server_args(p, workers=2)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="production server: gunicorn + whitenoise")
    server_args(p, workers=None)
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start the background worker here (run `fairdesk worker` elsewhere)",
    )
    p.add_argument(
        "--without-sms",
        action="store_true",
        help="start without an SMS gateway on purpose (no customer receives a sign-in code); "
        "also FAIRDESK_WITHOUT_SMS=true",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="background worker: Huey consumer and the outbox's deliverer")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "check-production",
        help="report every missing piece of a production install, with how to fix it",
    )
    p.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans")
    p.set_defaults(func=cmd_check_production)

    p = sub.add_parser("manage", help="Django management commands", add_help=False)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    from fairdesk.areas import cli as areas_cli

    areas_cli.add_parser(sub).set_defaults(func=cmd_areas)

    p = sub.add_parser("network", help="service network: outlets and coverage")
    nsub = p.add_subparsers(dest="network_command", required=True)
    q = nsub.add_parser("import-coverage", help="import an outlet's free-text coverage list")
    q.add_argument("outlet_code")
    q.add_argument("file", help="text file, or - for standard input")
    q.add_argument(
        "--replace",
        action="store_true",
        help="replace the outlet's coverage with this list (default: add to it)",
    )
    q.set_defaults(func=cmd_network_import)
    return parser


def main(argv: Sequence[str] | None = None, *, console: bool = False) -> int:
    """Run one command; ``console``: this is the whole process (the ``fairdesk`` script), which
    the area commands then end at once, without tearing their index down (``exit_now``)."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    status = int(ns.func(ns) or 0)
    if console and ns.func is cmd_areas:
        from fairdesk.areas.cli import exit_now

        exit_now(status)
    return status


def console() -> None:
    """The ``fairdesk`` console script."""
    sys.exit(main(console=True))


if __name__ == "__main__":
    console()
