//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// completion: the completion scripts for bash, zsh and fish, written from the command table
// (options.cpp) and the global options, so that a command or option added there is completed
// without more work. What each script completes:
// - before the command: the commands, `help`, and the global options;
// - after `help`: the commands; after `completion`: the shells;
// - after another command: its options and the global ones when the word starts with '-', else
//   file names (the database);
// - after an option that takes a value: the statuses for --status, nothing for the others.

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/delivery.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox_cli {

namespace {

constexpr std::array<std::string_view, 3> shells{"bash", "zsh", "fish"};

// Words joined by spaces.
template <class Range, class Fn>
std::string joined(const Range& r, Fn word) {
    std::string out;
    for (const auto& x : r) {
        if (!out.empty())
            out += ' ';
        out += word(x);
    }
    return out;
}

std::string command_words() {
    return joined(command_table(), [](const command_spec& c) { return std::string(c.name); });
}

std::string status_words() {
    std::string out;
    for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i) {
        if (i > 0)
            out += ' ';
        out += to_string(static_cast<hookbox::delivery_status>(i));
    }
    return out;
}

std::string option_words(const std::vector<option_spec>& options) {
    return joined(options, [](const option_spec& o) { return std::string(o.name); });
}

// The options that take a value, of every command and the global ones, without --status: after
// one of them, nothing is completed.
std::string free_value_options(char separator) {
    std::vector<std::string> names;
    auto add = [&](const option_spec& o) {
        if (o.takes_value && o.name != "--status" &&
            std::find(names.begin(), names.end(), o.name) == names.end())
            names.emplace_back(o.name);
    };
    for (const auto& o : global_options())
        add(o);
    for (const auto& c : command_table())
        for (const auto& o : c.options)
            add(o);
    std::string out;
    for (const auto& n : names) {
        if (!out.empty())
            out += separator;
        out += n;
    }
    return out;
}

// Text inside single quotes in fish, where \ and ' are escaped.
std::string fish_quoted(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\\' || c == '\'')
            out += '\\';
        out += c;
    }
    return out + "'";
}

std::string bash_script() {
    const std::string global = option_words(global_options());
    std::string s =
        "# bash completion for hookbox, as printed by 'hookbox completion bash'.\n"
        "_hookbox() {\n"
        "    local cur prev cmd i opts\n"
        "    COMPREPLY=()\n"
        "    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
        "    prev=\"\"\n"
        "    if (( COMP_CWORD > 0 )); then prev=\"${COMP_WORDS[COMP_CWORD-1]}\"; fi\n"
        "    cmd=\"\"\n"
        "    for (( i = 1; i < COMP_CWORD; i++ )); do\n"
        "        case \"${COMP_WORDS[i]}\" in\n"
        "            --table) i=$(( i + 1 )) ;;\n"
        "            -*) ;;\n"
        "            *) cmd=\"${COMP_WORDS[i]}\"; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case \"$prev\" in\n"
        "        --status) COMPREPLY=( $(compgen -W \"" +
        status_words() +
        "\" -- \"$cur\") ); return 0 ;;\n"
        "        " +
        free_value_options('|') +
        ") return 0 ;;\n"
        "    esac\n"
        "    local global=\"" +
        global +
        "\"\n"
        "    case \"$cmd\" in\n"
        "        \"\")\n"
        "            if [[ \"$cur\" == -* ]]; then\n"
        "                COMPREPLY=( $(compgen -W \"$global\" -- \"$cur\") )\n"
        "            else\n"
        "                COMPREPLY=( $(compgen -W \"" +
        command_words() +
        " help\" -- \"$cur\") )\n"
        "            fi\n"
        "            return 0 ;;\n"
        "        help) COMPREPLY=( $(compgen -W \"" +
        command_words() +
        "\" -- \"$cur\") ); return 0 ;;\n"
        "        completion) COMPREPLY=( $(compgen -W \"" +
        joined(shells, [](std::string_view x) { return std::string(x); }) +
        "\" -- \"$cur\") ); return 0 ;;\n";
    for (const auto& c : command_table())
        if (c.name != "completion")
            s += "        " + std::string(c.name) + ") opts=\"" + option_words(c.options) + "\" ;;\n";
    s += "        *) return 0 ;;\n"
         "    esac\n"
         "    if [[ \"$cur\" == -* ]]; then\n"
         "        COMPREPLY=( $(compgen -W \"$opts $global\" -- \"$cur\") )\n"
         "    else\n"
         "        compopt -o filenames 2>/dev/null\n"
         "        COMPREPLY=( $(compgen -f -- \"$cur\") )\n"
         "    fi\n"
         "    return 0\n"
         "}\n"
         "complete -F _hookbox hookbox\n";
    return s;
}

std::string zsh_script() {
    const std::string global = option_words(global_options());
    std::string s =
        "#compdef hookbox\n"
        "# zsh completion for hookbox, as printed by 'hookbox completion zsh'.\n"
        "_hookbox() {\n"
        "    local cur=${words[CURRENT]} prev=${words[CURRENT-1]} cmd='' i\n"
        "    local -a global opts\n"
        "    global=(" +
        global +
        ")\n"
        "    for (( i = 2; i < CURRENT; i++ )); do\n"
        "        case ${words[i]} in\n"
        "            --table) (( i++ )) ;;\n"
        "            -*) ;;\n"
        "            *) cmd=${words[i]}; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case $prev in\n"
        "        --status) compadd -- " +
        status_words() +
        "; return ;;\n"
        "        " +
        free_value_options('|') +
        ") return 1 ;;\n"
        "    esac\n"
        "    case $cmd in\n"
        "        '')\n"
        "            if [[ $cur == -* ]]; then compadd -- $global; else compadd -- " +
        command_words() +
        " help; fi\n"
        "            return ;;\n"
        "        help) compadd -- " +
        command_words() +
        "; return ;;\n"
        "        completion) compadd -- " +
        joined(shells, [](std::string_view x) { return std::string(x); }) + "; return ;;\n";
    for (const auto& c : command_table())
        if (c.name != "completion")
            s += "        " + std::string(c.name) + ") opts=(" + option_words(c.options) + ") ;;\n";
    s += "        *) return 1 ;;\n"
         "    esac\n"
         "    if [[ $cur == -* ]]; then compadd -- $opts $global; else _files; fi\n"
         "}\n"
         "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then\n"
         "    _hookbox \"$@\"\n"
         "else\n"
         "    compdef _hookbox hookbox\n"
         "fi\n";
    return s;
}

// `-l name` for --name, `-s h` for -h.
std::string fish_option(const option_spec& o) {
    const std::string_view n = o.name;
    std::string out = n.rfind("--", 0) == 0 ? "-l " + std::string(n.substr(2)) : "-s " + std::string(n.substr(1));
    if (o.takes_value) {
        out += " -x";
        if (n == "--status")
            out += " -a " + fish_quoted(status_words());
    }
    return out;
}

std::string fish_script() {
    const std::string all = command_words() + " help";
    std::string s = "# fish completion for hookbox, as printed by 'hookbox completion fish'.\n"
                    "complete -c hookbox -f\n";
    const std::string before = " -n " + fish_quoted("not __fish_seen_subcommand_from " + all);
    for (const auto& c : command_table())
        s += "complete -c hookbox" + before + " -a " + std::string(c.name) + " -d " + fish_quoted(c.summary) +
             "\n";
    s += "complete -c hookbox" + before + " -a help -d " + fish_quoted("the help of a command") + "\n";
    for (const auto& o : global_options())
        s += "complete -c hookbox " + fish_option(o) + "\n";
    s += "complete -c hookbox -n " + fish_quoted("__fish_seen_subcommand_from help") + " -x -a " +
         fish_quoted(command_words()) + "\n";
    for (const auto& c : command_table()) {
        const std::string when = " -n " + fish_quoted("__fish_seen_subcommand_from " + std::string(c.name));
        if (c.name == "completion") {
            s += "complete -c hookbox" + when + " -x -a " +
                 fish_quoted(joined(shells, [](std::string_view x) { return std::string(x); })) + "\n";
            continue;
        }
        s += "complete -c hookbox" + when + " -F\n";  // the database: a file
        for (const auto& o : c.options)
            s += "complete -c hookbox" + when + " " + fish_option(o) + "\n";
    }
    return s;
}

}  // namespace

int run_completion(const invocation& inv) {
    if (inv.positionals.empty())
        usage_error("shell", "completion: missing argument <shell>: expected bash, zsh or fish", "completion");
    if (inv.positionals.size() > 1)
        usage_error("argument",
                    "completion: unexpected argument '" + printable(clip(inv.positionals[1], 64)) + "'",
                    "completion");
    const std::string& shell = inv.positionals[0];
    std::string script;
    if (shell == "bash")
        script = bash_script();
    else if (shell == "zsh")
        script = zsh_script();
    else if (shell == "fish")
        script = fish_script();
    else
        usage_error("shell",
                    "completion: unknown shell '" + printable(clip(shell, 64)) + "': expected bash, zsh or fish",
                    "completion");
    if (inv.json) {
        boost::json::object o;
        o["shell"] = shell;
        o["script"] = script;
        emit(o);
    } else {
        std::cout << script;
    }
    return exit_ok;
}

}  // namespace hookbox_cli
