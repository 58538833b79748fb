#compdef activityctl

__activityctl_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__activityctl_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __activityctl_complete "${completions[@]:0:-1}"
    fi
}

__activityctl_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_activityctl() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'events:List events, filtered through the index.'
            'users:Every user'\''s last login and logout, status now, entry method, last IP and location, counts.'
            'report:Reports: logins per user, failure bursts, suspicious logins.'
            'export:Export events as CSV with the payments report'\''s columns.'
            'tail:Show the last events, and with -f follow new ones as the daemon commits them.'
            'send:Send one application event to activityd over UDP (like logger(1)).'
            'check:Ask the daemon'\''s check API whether a login should be allowed (POST /v1/check).'
            'verify:Check every segment and index; exit non-zero on damage.'
            'setup-keys:Create the forward-secure sealing key of a data directory and print its verification key once.'
            'stats:Show the daemon'\''s counters (from stats.json) and the store'\''s size.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        events|users|report|export|tail|send|check|verify|setup-keys|stats|help)
            "_activityctl_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_activityctl_events() {
    local -i ret=1
    local -ar ___order=('seq' 'time')
    local -ar ___format=('table' 'json' 'jsonl' 'csv')
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '*--user[Only this user (repeatable).]:user:'
        '*--ip[Only this remote address (repeatable).]:ip:'
        '*--category[login, activity or admin (repeatable).]:category:'
        '*--action[Only this action (repeatable).]:action:'
        '*--outcome[success, failure or unknown (repeatable).]:outcome:'
        '*--entry[Entry method\: ssh, web, mobile, api... (repeatable).]:entry:'
        '*--country[ISO country code from GeoIP (repeatable).]:country:'
        '--vpn[Only events from VPN, proxy or Tor addresses.]'
        '*--host[Only events of this host (repeatable; a collector'\''s store holds many).]:host:'
        '--since[From this time\: RFC 3339, '\''YYYY-MM-DD \[HH\:MM\]'\'' (in --tz), -7d, -12h, today, yesterday.]:since:'
        '--until[Before this time (same forms as --since).]:until:'
        '--order[time\: by event time, the default (an imported old log shows where it belongs); seq\: storage order, as received.]:order:{__activityctl_complete "${___order[@]}"}'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--limit[At most this many events.]:limit:'
        '--reverse[Newest first (in the --order chosen).]'
        '--format[table, json, jsonl or csv (the payments export'\''s columns). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.]:format:{__activityctl_complete "${___format[@]}"}'
        '--output-fields[Comma-separated fields for table and jsonl output (see the README for names).]:output-fields:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_users() {
    local -i ret=1
    local -ar ___format=('table' 'json' 'jsonl')
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--inactive-since[Only accounts with no successful login in this long (e.g. 30d).]:inactive-since:'
        '--session-timeout[A login with no logout after this long counts as timed out.]:session-timeout:'
        '--format[table, json or jsonl (both print one object per line). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.]:format:{__activityctl_complete "${___format[@]}"}'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_report() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'logins:Logins per user and how often they use the service (per active day and week).'
            'failures:Bursts of failed logins: N failures within a window, per user and per IP.'
            'suspicious:Suspicious logins, each with why: a new country for the user, impossible travel, VPN/proxy/Tor/hosting, success after a failure burst, a new device.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        logins|failures|suspicious)
            "_activityctl_report_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_activityctl_report_logins() {
    local -i ret=1
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--since[From (RFC 3339, YYYY-MM-DD, -30d, today...).]:since:'
        '--until[Until (same forms).]:until:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_report_failures() {
    local -i ret=1
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--threshold[Failures that make a burst.]:threshold:'
        '--window[Window the failures fall in (e.g. 10m).]:window:'
        '--since[From (RFC 3339, YYYY-MM-DD, -7d, today...).]:since:'
        '--until[Until (same forms).]:until:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_report_suspicious() {
    local -i ret=1
    local -ar ___format=('table' 'json' 'jsonl')
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--max-speed[Travel faster than this (km/h, after subtracting accuracy radii) is impossible.]:max-speed:'
        '--since[From (RFC 3339, YYYY-MM-DD, -7d, today...).]:since:'
        '--until[Until (same forms).]:until:'
        '--format[table, json or jsonl (both print one object per line). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.]:format:{__activityctl_complete "${___format[@]}"}'
        '--recompute[Recompute every flag (with --max-speed) instead of reading those the daemon stored at ingest.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_export() {
    local -i ret=1
    local -ar ___order=('seq' 'time')
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '*--user[Only this user (repeatable).]:user:'
        '*--ip[Only this remote address (repeatable).]:ip:'
        '*--category[login, activity or admin (repeatable).]:category:'
        '*--action[Only this action (repeatable).]:action:'
        '*--outcome[success, failure or unknown (repeatable).]:outcome:'
        '*--entry[Entry method\: ssh, web, mobile, api... (repeatable).]:entry:'
        '*--country[ISO country code from GeoIP (repeatable).]:country:'
        '--vpn[Only events from VPN, proxy or Tor addresses.]'
        '*--host[Only events of this host (repeatable; a collector'\''s store holds many).]:host:'
        '--since[From this time\: RFC 3339, '\''YYYY-MM-DD \[HH\:MM\]'\'' (in --tz), -7d, -12h, today, yesterday.]:since:'
        '--until[Before this time (same forms as --since).]:until:'
        '--order[time\: by event time, the default (an imported old log shows where it belongs); seq\: storage order, as received.]:order:{__activityctl_complete "${___order[@]}"}'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--csv[CSV (the only export format; the flag is for clarity). On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_tail() {
    local -i ret=1
    local -ar ___format=('table' 'json' 'jsonl' 'csv')
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '(-n --lines)'{-n,--lines}'[How many recent events to show first.]:lines:'
        '(--follow -f)'{--follow,-f}'[Keep following new events.]'
        '--format[table or jsonl. On a terminal, escape, control and bidi characters in JSON and CSV are shown escaped; to a file or pipe the bytes are exact.]:format:{__activityctl_complete "${___format[@]}"}'
        '--timeout[Stop following after this many seconds (for scripts).]:timeout:'
        '--tz[Show times in this IANA zone (e.g. Europe/Berlin, UTC); default\: the local zone.]:tz:'
        '--color[Colour in tables\: auto (only on a terminal, never with NO_COLOR), always, never.]:color:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_send() {
    local -i ret=1
    local -ar arg_specs=(
        '--to[Where activityd listens (host\:port, IPv6 as \[addr\]\:port).]:to:'
        '--action[The action (login, logout, login_failed, order_placed...).]:action:'
        '--user[The user the event is about.]:user:'
        '--category[login, activity or admin (inferred from the action when left out).]:category:'
        '--outcome[success, failure or unknown.]:outcome:'
        '--reason[Failure or status detail.]:reason:'
        '--actor[Who did it.]:actor:'
        '--actor-role[user, admin, support, system.]:actor-role:'
        '--account[Tenant or organisation.]:account:'
        '--session[Session id.]:session:'
        '--entry[Entry method\: web, mobile, api, ssh...]:entry:'
        '--device[Device type or user agent.]:device:'
        '--ip[Remote address of the user.]:ip:'
        '--port[Remote port.]:port:'
        '--service[Application name.]:service:'
        '--host[Host name.]:host:'
        '--subscription[Subscription reference.]:subscription:'
        '--order[Order reference.]:order:'
        '--amount[Amount as a decimal string (negative for refunds).]:amount:'
        '--currency[ISO 4217 currency.]:currency:'
        '--billing-cycles[Billing cycles.]:billing-cycles:'
        '--comment[Free text.]:comment:'
        '--time[Event time (RFC 3339); default now.]:time:'
        '*--attr[Extra key=value (repeatable).]:attr:'
        '--app[Application id for an HMAC-signed datagram (with --key-file).]:app:'
        '--key-file[HMAC-SHA256 key file of --app (as configured in input.udp.keys).]:key-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_check() {
    local -i ret=1
    local -ar arg_specs=(
        '--user[The user about to log in.]:user:'
        '--ip[The address the login comes from.]:ip:'
        '--device[The device (user agent or name).]:device:'
        '--account[The account (required when the token is limited to accounts).]:account:'
        '--api[The API address (host\:port, IPv6 in brackets); default\: \[api\] listen of --config, else 127.0.0.1\:58081.]:api:'
        '--config[Read api.listen from this configuration file.]:config:'
        '--token-file[A file holding the bearer token (default\: $ACTIVITYD_API_TOKEN).]:token-file:'
        '--json[Print the API'\''s JSON answer (exact bytes to a file or pipe; escaped on a terminal).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_verify() {
    local -i ret=1
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--repair[Rebuild damaged or missing indexes (takes the data directory'\''s lock\: stop the daemon first).]'
        '--verify-key[Also check the seals with this verification key (from activityctl setup-keys).]:verify-key:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_setup-keys() {
    local -i ret=1
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--key-file[Where to write the sealing key (default\: <data_dir>/seal.key).]:key-file:'
        '--interval[How often the key evolves while the daemon runs (s, m or h).]:interval:'
        '--force[Replace an existing key file (the history sealed with it stays verifiable only with its old verification key).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_stats() {
    local -i ret=1
    local -ar arg_specs=(
        '--data-dir[The activityd data directory (holds segments/).]:data-dir:'
        '--config[Read data_dir from this configuration file.]:config:'
        '--json[Print stats.json as it is.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_activityctl_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _activityctl ]]; then
    _activityctl "${@}"
else
    compdef _activityctl activityctl
fi
