# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cove_global_optspecs
    string join \n root= runroot= storage-driver= log-level= h/help V/version
end

function __fish_cove_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cove_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cove_using_subcommand
    set -l cmd (__fish_cove_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cove -n "__fish_cove_needs_command" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_needs_command" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_needs_command" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_needs_command" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_needs_command" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_needs_command" -f -a "run" -d 'Run a command in a new container'
complete -c cove -n "__fish_cove_needs_command" -f -a "create" -d 'Create a container without starting it'
complete -c cove -n "__fish_cove_needs_command" -f -a "start" -d 'Start created or exited containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "stop" -d 'Stop running containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "restart" -d 'Restart containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "logs" -d 'Show a container\'s output'
complete -c cove -n "__fish_cove_needs_command" -f -a "attach" -d 'Attach to a running container\'s input and output'
complete -c cove -n "__fish_cove_needs_command" -f -a "exec" -d 'Run a command in a running container'
complete -c cove -n "__fish_cove_needs_command" -f -a "rm" -d 'Remove containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "kill" -d 'Send a signal to running containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "wait" -d 'Wait for containers to stop and print their exit codes'
complete -c cove -n "__fish_cove_needs_command" -f -a "ps" -d 'List containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "top" -d 'Show the processes of a running container'
complete -c cove -n "__fish_cove_needs_command" -f -a "port" -d 'List a container\'s published ports'
complete -c cove -n "__fish_cove_needs_command" -f -a "stats" -d 'Show CPU, memory, network and block I/O usage of containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "rename" -d 'Rename a container'
complete -c cove -n "__fish_cove_needs_command" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c cove -n "__fish_cove_needs_command" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c cove -n "__fish_cove_needs_command" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c cove -n "__fish_cove_needs_command" -f -a "container" -d 'Manage containers'
complete -c cove -n "__fish_cove_needs_command" -f -a "pull" -d 'Pull an image from a registry'
complete -c cove -n "__fish_cove_needs_command" -f -a "push" -d 'Push an image to a registry'
complete -c cove -n "__fish_cove_needs_command" -f -a "images" -d 'List images in local storage'
complete -c cove -n "__fish_cove_needs_command" -f -a "image" -d 'Manage images'
complete -c cove -n "__fish_cove_needs_command" -f -a "tag" -d 'Add names to an image'
complete -c cove -n "__fish_cove_needs_command" -f -a "rmi" -d 'Remove images'
complete -c cove -n "__fish_cove_needs_command" -f -a "save" -d 'Save images to an archive'
complete -c cove -n "__fish_cove_needs_command" -f -a "load" -d 'Load images from an archive'
complete -c cove -n "__fish_cove_needs_command" -f -a "import" -d 'Create an image from a tarball of a root filesystem'
complete -c cove -n "__fish_cove_needs_command" -f -a "inspect" -d 'Display low-level information on containers, images or volumes'
complete -c cove -n "__fish_cove_needs_command" -f -a "login" -d 'Log in to a container registry'
complete -c cove -n "__fish_cove_needs_command" -f -a "logout" -d 'Log out of a container registry'
complete -c cove -n "__fish_cove_needs_command" -f -a "unshare" -d 'Run a command in cove\'s user namespace (to inspect or remove files owned by subordinate ids)'
complete -c cove -n "__fish_cove_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c cove -n "__fish_cove_needs_command" -f -a "version" -d 'Show version information'
complete -c cove -n "__fish_cove_needs_command" -f -a "info" -d 'Show system information'
complete -c cove -n "__fish_cove_needs_command" -f -a "system" -d 'Manage cove\'s storage: prune, df, reset'
complete -c cove -n "__fish_cove_needs_command" -f -a "completion" -d 'Generate shell completion scripts'
complete -c cove -n "__fish_cove_needs_command" -f -a "healthcheck" -d 'Run containers\' health checks'
complete -c cove -n "__fish_cove_needs_command" -f -a "container-monitor" -d 'A detached container\'s monitor (started by cove itself)'
complete -c cove -n "__fish_cove_using_subcommand run" -l name -d 'Name for the container (default: a generated one)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l group-add -d 'Add a supplementary group (name or gid)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s h -l hostname -d 'Container host name (default: the short container id)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l read-only-tmpfs -d 'Keep /tmp, /var/tmp and /run writable with --read-only' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand run" -l tmpfs -d 'Mount a tmpfs: DIR[:OPTIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s v -l volume -d 'Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l cap-add -d 'Add a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l cap-drop -d 'Drop a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l security-opt -d 'Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l ulimit -d 'Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l stop-signal -d 'Signal sent by `stop` (default: the image\'s, else SIGTERM)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l restart -d 'Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l log-driver -d 'Where the container\'s output is logged: k8s-file (default), passthrough, none' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l log-opt -d 'Logging option: max-size=SIZE' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l health-cmd -d 'Command that checks the container\'s health (shell form, or a JSON array for the exec form)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l health-interval -d 'Time between health checks ("disable": only `cove healthcheck run`)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l health-retries -d 'Failed checks in a row that make the container unhealthy' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l health-timeout -d 'Time a check may take before it counts as failed' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l health-start-period -d 'Time for the container to start during which failures do not count' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l annotation -d 'Set an annotation on the runtime spec: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l device -d 'Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l userns -d 'User namespace: "" (default), host, keep-id[:uid=N,gid=N]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l network -l net -d 'Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none or container:NAME' -r
complete -c cove -n "__fish_cove_using_subcommand run" -s p -l publish -d 'Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l dns -d 'Name server for the container\'s /etc/resolv.conf (none: no name server)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l dns-search -d 'Search domain for the container\'s /etc/resolv.conf ("." for none)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l dns-option -d 'Resolver option for the container\'s /etc/resolv.conf' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l add-host -d 'Add a line to the container\'s /etc/hosts: HOST:IP (host-gateway for the host)' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l pull -d 'When to pull the image' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand run" -l platform -d 'Platform of the image to pull: OS/ARCH[/VARIANT]' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand run" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand run" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand run" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand run" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand run" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand run" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand run" -s d -l detach -d 'Run in the background and print the container id'
complete -c cove -n "__fish_cove_using_subcommand run" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c cove -n "__fish_cove_using_subcommand run" -l replace -d 'Remove (killing it if it runs) the container of the same --name first'
complete -c cove -n "__fish_cove_using_subcommand run" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand run" -l env-host -d 'Pass the whole host environment into the container'
complete -c cove -n "__fish_cove_using_subcommand run" -l init -d 'Run a tiny init as pid 1 that forwards signals and reaps zombies'
complete -c cove -n "__fish_cove_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c cove -n "__fish_cove_using_subcommand run" -l privileged -d 'Give the container every capability and device the user has'
complete -c cove -n "__fish_cove_using_subcommand run" -l no-healthcheck -d 'Run no health check'
complete -c cove -n "__fish_cove_using_subcommand run" -s P -l publish-all -d 'Publish every port the image exposes on a random host port'
complete -c cove -n "__fish_cove_using_subcommand run" -s q -l quiet -d 'Suppress pull progress'
complete -c cove -n "__fish_cove_using_subcommand run" -l help -d 'Print help'
complete -c cove -n "__fish_cove_using_subcommand run" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand create" -l name -d 'Name for the container (default: a generated one)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l group-add -d 'Add a supplementary group (name or gid)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s h -l hostname -d 'Container host name (default: the short container id)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l read-only-tmpfs -d 'Keep /tmp, /var/tmp and /run writable with --read-only' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand create" -l tmpfs -d 'Mount a tmpfs: DIR[:OPTIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s v -l volume -d 'Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l cap-add -d 'Add a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l cap-drop -d 'Drop a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l security-opt -d 'Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l ulimit -d 'Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l stop-signal -d 'Signal sent by `stop` (default: the image\'s, else SIGTERM)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l restart -d 'Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l log-driver -d 'Where the container\'s output is logged: k8s-file (default), passthrough, none' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l log-opt -d 'Logging option: max-size=SIZE' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l health-cmd -d 'Command that checks the container\'s health (shell form, or a JSON array for the exec form)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l health-interval -d 'Time between health checks ("disable": only `cove healthcheck run`)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l health-retries -d 'Failed checks in a row that make the container unhealthy' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l health-timeout -d 'Time a check may take before it counts as failed' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l health-start-period -d 'Time for the container to start during which failures do not count' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l annotation -d 'Set an annotation on the runtime spec: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l device -d 'Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l userns -d 'User namespace: "" (default), host, keep-id[:uid=N,gid=N]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l network -l net -d 'Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none or container:NAME' -r
complete -c cove -n "__fish_cove_using_subcommand create" -s p -l publish -d 'Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l dns -d 'Name server for the container\'s /etc/resolv.conf (none: no name server)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l dns-search -d 'Search domain for the container\'s /etc/resolv.conf ("." for none)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l dns-option -d 'Resolver option for the container\'s /etc/resolv.conf' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l add-host -d 'Add a line to the container\'s /etc/hosts: HOST:IP (host-gateway for the host)' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l pull -d 'When to pull the image' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand create" -l platform -d 'Platform of the image to pull: OS/ARCH[/VARIANT]' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand create" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand create" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand create" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand create" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand create" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand create" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand create" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c cove -n "__fish_cove_using_subcommand create" -l replace -d 'Remove (killing it if it runs) the container of the same --name first'
complete -c cove -n "__fish_cove_using_subcommand create" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand create" -l env-host -d 'Pass the whole host environment into the container'
complete -c cove -n "__fish_cove_using_subcommand create" -l init -d 'Run a tiny init as pid 1 that forwards signals and reaps zombies'
complete -c cove -n "__fish_cove_using_subcommand create" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c cove -n "__fish_cove_using_subcommand create" -l privileged -d 'Give the container every capability and device the user has'
complete -c cove -n "__fish_cove_using_subcommand create" -l no-healthcheck -d 'Run no health check'
complete -c cove -n "__fish_cove_using_subcommand create" -s P -l publish-all -d 'Publish every port the image exposes on a random host port'
complete -c cove -n "__fish_cove_using_subcommand create" -s q -l quiet -d 'Suppress pull progress'
complete -c cove -n "__fish_cove_using_subcommand create" -l help -d 'Print help'
complete -c cove -n "__fish_cove_using_subcommand create" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand start" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand start" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand start" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand start" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand start" -s a -l attach -d 'Attach to the container\'s output and wait for it to exit'
complete -c cove -n "__fish_cove_using_subcommand start" -s i -l interactive -d 'Attach the container\'s stdin'
complete -c cove -n "__fish_cove_using_subcommand start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand start" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand stop" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c cove -n "__fish_cove_using_subcommand stop" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand stop" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand stop" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand stop" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand stop" -s a -l all -d 'Stop all running containers'
complete -c cove -n "__fish_cove_using_subcommand stop" -s i -l ignore -d 'Do not fail when a container does not exist'
complete -c cove -n "__fish_cove_using_subcommand stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand stop" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand restart" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c cove -n "__fish_cove_using_subcommand restart" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand restart" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand restart" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand restart" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand restart" -s a -l all -d 'Restart all containers'
complete -c cove -n "__fish_cove_using_subcommand restart" -l running -d 'Restart only running containers (with --all)'
complete -c cove -n "__fish_cove_using_subcommand restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand restart" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand logs" -l tail -d 'Only the last N lines (-1: all)' -r
complete -c cove -n "__fish_cove_using_subcommand logs" -l since -d 'Only lines since this time: RFC 3339, a Unix time, or a duration such as 10m' -r
complete -c cove -n "__fish_cove_using_subcommand logs" -l until -d 'Only lines before this time: RFC 3339, a Unix time, or a duration such as 10m' -r
complete -c cove -n "__fish_cove_using_subcommand logs" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand logs" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand logs" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand logs" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the container stops'
complete -c cove -n "__fish_cove_using_subcommand logs" -s t -l timestamps -d 'Show the time of each line'
complete -c cove -n "__fish_cove_using_subcommand logs" -s n -l names -d 'Prefix each line with the container\'s name (several containers: their short ids otherwise)'
complete -c cove -n "__fish_cove_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand logs" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand attach" -l detach-keys -d 'Keys that detach: comma-separated, e.g. ctrl-p,ctrl-q ("" disables)' -r
complete -c cove -n "__fish_cove_using_subcommand attach" -l sig-proxy -d 'Forward signals received to the container (not with a terminal)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand attach" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand attach" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand attach" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand attach" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand attach" -l no-stdin -d 'Do not attach stdin'
complete -c cove -n "__fish_cove_using_subcommand attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand attach" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand exec" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand exec" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand exec" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c cove -n "__fish_cove_using_subcommand exec" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand exec" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand exec" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand exec" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand exec" -s d -l detach -d 'Run the command in the background (prints nothing; its output goes to /dev/null)'
complete -c cove -n "__fish_cove_using_subcommand exec" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand exec" -l privileged -d 'Give the process every capability the user has'
complete -c cove -n "__fish_cove_using_subcommand exec" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand exec" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand rm" -s t -l time -d 'With --force: stop a running container gracefully first (its stop signal, then SIGKILL after SECONDS) instead of killing it at once' -r
complete -c cove -n "__fish_cove_using_subcommand rm" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand rm" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand rm" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand rm" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand rm" -s a -l all -d 'Remove all containers'
complete -c cove -n "__fish_cove_using_subcommand rm" -s f -l force -d 'Kill running containers first'
complete -c cove -n "__fish_cove_using_subcommand rm" -s v -l volumes -d 'Remove the container\'s anonymous volumes too'
complete -c cove -n "__fish_cove_using_subcommand rm" -s i -l ignore -d 'Do not fail when a container does not exist'
complete -c cove -n "__fish_cove_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand rm" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand kill" -s s -l signal -d 'Signal to send (name or number)' -r
complete -c cove -n "__fish_cove_using_subcommand kill" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand kill" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand kill" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand kill" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand kill" -s a -l all -d 'Signal all running containers'
complete -c cove -n "__fish_cove_using_subcommand kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand kill" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand wait" -l condition -d 'State to wait for: stopped/exited (the default) or running' -r
complete -c cove -n "__fish_cove_using_subcommand wait" -s i -l interval -d 'How often to check, e.g. 250ms or 1s' -r
complete -c cove -n "__fish_cove_using_subcommand wait" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand wait" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand wait" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand wait" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand wait" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand ps" -s f -l filter -d 'Filter: id=, name= (regular expressions), label=KEY[=VALUE], label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE, before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST' -r
complete -c cove -n "__fish_cove_using_subcommand ps" -l format -d 'Output format: json, table, or a Go template such as {{.ID}} {{.Status}}' -r
complete -c cove -n "__fish_cove_using_subcommand ps" -s n -l last -d 'Show the N most recently created containers (in any state)' -r
complete -c cove -n "__fish_cove_using_subcommand ps" -l sort -d 'Sort the output' -r -f -a "command\t''
created\t''
id\t''
image\t''
names\t''
runningfor\t''
size\t''
status\t''"
complete -c cove -n "__fish_cove_using_subcommand ps" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand ps" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand ps" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand ps" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand ps" -s a -l all -d 'Show all containers (default: running ones only)'
complete -c cove -n "__fish_cove_using_subcommand ps" -s l -l latest -d 'Show the most recently created container (in any state)'
complete -c cove -n "__fish_cove_using_subcommand ps" -l no-trunc -d 'Do not truncate ids and commands'
complete -c cove -n "__fish_cove_using_subcommand ps" -s q -l quiet -d 'Print only container ids'
complete -c cove -n "__fish_cove_using_subcommand ps" -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand ps" -s s -l size -d 'Show disk usage: what the container wrote (and its whole root filesystem)'
complete -c cove -n "__fish_cove_using_subcommand ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand ps" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand top" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand top" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand top" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand top" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand top" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand top" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand port" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand port" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand port" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand port" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand port" -s a -l all -d 'Show the ports of every running container'
complete -c cove -n "__fish_cove_using_subcommand port" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand port" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand stats" -s i -l interval -d 'Seconds between reports' -r
complete -c cove -n "__fish_cove_using_subcommand stats" -l format -d 'Output format: json, or a Go template such as {{.Name}} {{.MemUsage}}' -r
complete -c cove -n "__fish_cove_using_subcommand stats" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand stats" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand stats" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand stats" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand stats" -s a -l all -d 'Show all containers, not only running ones'
complete -c cove -n "__fish_cove_using_subcommand stats" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand stats" -l no-stream -d 'Print one report and exit instead of refreshing'
complete -c cove -n "__fish_cove_using_subcommand stats" -l no-reset -d 'Do not clear the terminal between reports'
complete -c cove -n "__fish_cove_using_subcommand stats" -l no-trunc -d 'Do not truncate ids'
complete -c cove -n "__fish_cove_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand stats" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand rename" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand rename" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand rename" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand rename" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand rename" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand cp" -s a -l archive -d 'Chown files copied into a container to its user (false keeps the owners of the source)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand cp" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand cp" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand cp" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand cp" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand cp" -l overwrite -d 'Replace a directory by a non-directory and vice versa'
complete -c cove -n "__fish_cove_using_subcommand cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand cp" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c cove -n "__fish_cove_using_subcommand export" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand export" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand export" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand export" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand export" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand commit" -s a -l author -d 'Author recorded in the image' -r
complete -c cove -n "__fish_cove_using_subcommand commit" -s c -l change -d 'Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c cove -n "__fish_cove_using_subcommand commit" -s m -l message -d 'Commit message stored in the image history' -r
complete -c cove -n "__fish_cove_using_subcommand commit" -l iidfile -d 'Write the image id to this file' -r -F
complete -c cove -n "__fish_cove_using_subcommand commit" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand commit" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand commit" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand commit" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand commit" -s q -l quiet -d 'Print only the image id (cove prints nothing else anyway)'
complete -c cove -n "__fish_cove_using_subcommand commit" -l include-volumes -d 'Make the container\'s volumes (-v, --mount and the image\'s) volumes of the image'
complete -c cove -n "__fish_cove_using_subcommand commit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand commit" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "ls" -d 'List containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "list" -d 'List containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "ps" -d 'List containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "inspect" -d 'Display a container\'s configuration and state'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "rm" -d 'Remove containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "create" -d 'Create a container without starting it'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "run" -d 'Run a command in a new container'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "start" -d 'Start created or exited containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "stop" -d 'Stop running containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "restart" -d 'Restart containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "kill" -d 'Send a signal to running containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "wait" -d 'Wait for containers to stop and print their exit codes'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "logs" -d 'Show a container\'s output'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "attach" -d 'Attach to a running container\'s input and output'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "top" -d 'Show the processes of a running container'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "port" -d 'List a container\'s published ports'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "stats" -d 'Show CPU, memory, network and block I/O usage of containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "rename" -d 'Rename a container'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "prune" -d 'Remove all stopped containers'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c cove -n "__fish_cove_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect rm create run start stop restart kill wait logs attach top port stats rename prune cp export commit exec" -f -a "exec" -d 'Run a command in a running container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: id=, name= (regular expressions), label=KEY[=VALUE], label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE, before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Output format: json, table, or a Go template such as {{.ID}} {{.Status}}' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show the N most recently created containers (in any state)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l sort -d 'Sort the output' -r -f -a "command\t''
created\t''
id\t''
image\t''
names\t''
runningfor\t''
size\t''
status\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default: running ones only)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the most recently created container (in any state)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate ids and commands'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only container ids'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s s -l size -d 'Show disk usage: what the container wrote (and its whole root filesystem)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: id=, name= (regular expressions), label=KEY[=VALUE], label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE, before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l format -d 'Output format: json, table, or a Go template such as {{.ID}} {{.Status}}' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s n -l last -d 'Show the N most recently created containers (in any state)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l sort -d 'Sort the output' -r -f -a "command\t''
created\t''
id\t''
image\t''
names\t''
runningfor\t''
size\t''
status\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all containers (default: running ones only)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s l -l latest -d 'Show the most recently created container (in any state)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate ids and commands'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only container ids'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s s -l size -d 'Show disk usage: what the container wrote (and its whole root filesystem)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s f -l filter -d 'Filter: id=, name= (regular expressions), label=KEY[=VALUE], label!=, status=created|running|exited, exited=CODE, ancestor=IMAGE, before=CONTAINER, since=CONTAINER, until=TIME, volume=NAME|DEST' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l format -d 'Output format: json, table, or a Go template such as {{.ID}} {{.Status}}' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s n -l last -d 'Show the N most recently created containers (in any state)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l sort -d 'Sort the output' -r -f -a "command\t''
created\t''
id\t''
image\t''
names\t''
runningfor\t''
size\t''
status\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all containers (default: running ones only)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s l -l latest -d 'Show the most recently created container (in any state)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Do not truncate ids and commands'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Print only container ids'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s s -l size -d 'Show disk usage: what the container wrote (and its whole root filesystem)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from ps" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Output format: json (default) or a Go template such as {{.State.Status}}' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -s l -l latest -d 'Inspect the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -s s -l size -d 'Show sizes (SizeRw, SizeRootFs)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s t -l time -d 'With --force: stop a running container gracefully first (its stop signal, then SIGKILL after SECONDS) instead of killing it at once' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all containers'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Kill running containers first'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove the container\'s anonymous volumes too'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail when a container does not exist'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Name for the container (default: a generated one)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Add a supplementary group (name or gid)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Container host name (default: the short container id)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only-tmpfs -d 'Keep /tmp, /var/tmp and /run writable with --read-only' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs: DIR[:OPTIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal sent by `stop` (default: the image\'s, else SIGTERM)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Where the container\'s output is logged: k8s-file (default), passthrough, none' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Logging option: max-size=SIZE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l health-cmd -d 'Command that checks the container\'s health (shell form, or a JSON array for the exec form)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l health-interval -d 'Time between health checks ("disable": only `cove healthcheck run`)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l health-retries -d 'Failed checks in a row that make the container unhealthy' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l health-timeout -d 'Time a check may take before it counts as failed' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-period -d 'Time for the container to start during which failures do not count' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l annotation -d 'Set an annotation on the runtime spec: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l device -d 'Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'User namespace: "" (default), host, keep-id[:uid=N,gid=N]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none or container:NAME' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'Name server for the container\'s /etc/resolv.conf (none: no name server)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'Search domain for the container\'s /etc/resolv.conf ("." for none)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -d 'Resolver option for the container\'s /etc/resolv.conf' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a line to the container\'s /etc/hosts: HOST:IP (host-gateway for the host)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'When to pull the image' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l platform -d 'Platform of the image to pull: OS/ARCH[/VARIANT]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l replace -d 'Remove (killing it if it runs) the container of the same --name first'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l env-host -d 'Pass the whole host environment into the container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run a tiny init as pid 1 that forwards signals and reaps zombies'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Give the container every capability and device the user has'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l no-healthcheck -d 'Run no health check'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish every port the image exposes on a random host port'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Suppress pull progress'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Name for the container (default: a generated one)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Add a supplementary group (name or gid)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the image\'s entrypoint ("" clears it)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container host name (default: the short container id)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only-tmpfs -d 'Keep /tmp, /var/tmp and /run writable with --read-only' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs: DIR[:OPTIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind mount or volume: SOURCE:DEST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,destination=...[,ro]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop a Linux capability (or ALL)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options: no-new-privileges, seccomp=unconfined|PROFILE.json, mask=, unmask=, label=disable' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'Resource limit: TYPE=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal sent by `stop` (default: the image\'s, else SIGTERM)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds `stop` waits after the stop signal before SIGKILL' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy: no, on-failure[:MAX_RETRIES], always, unless-stopped' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Where the container\'s output is logged: k8s-file (default), passthrough, none' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Logging option: max-size=SIZE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l health-cmd -d 'Command that checks the container\'s health (shell form, or a JSON array for the exec form)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l health-interval -d 'Time between health checks ("disable": only `cove healthcheck run`)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l health-retries -d 'Failed checks in a row that make the container unhealthy' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l health-timeout -d 'Time a check may take before it counts as failed' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-period -d 'Time for the container to start during which failures do not count' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l annotation -d 'Set an annotation on the runtime spec: KEY=VALUE' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l device -d 'Give the container a host device: HOST[:CONTAINER][:PERMISSIONS]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'User namespace: "" (default), host, keep-id[:uid=N,gid=N]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Network: slirp[:mtu=N,allow_host_loopback=true] (the default), pasta[:OPTIONS], host, none or container:NAME' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ranges as START-END' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'Name server for the container\'s /etc/resolv.conf (none: no name server)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'Search domain for the container\'s /etc/resolv.conf ("." for none)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -d 'Resolver option for the container\'s /etc/resolv.conf' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a line to the container\'s /etc/hosts: HOST:IP (host-gateway for the host)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'When to pull the image' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l platform -d 'Platform of the image to pull: OS/ARCH[/VARIANT]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run in the background and print the container id'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l replace -d 'Remove (killing it if it runs) the container of the same --name first'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l env-host -d 'Pass the whole host environment into the container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run a tiny init as pid 1 that forwards signals and reaps zombies'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the container\'s root filesystem read-only'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Give the container every capability and device the user has'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l no-healthcheck -d 'Run no health check'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish every port the image exposes on a random host port'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Suppress pull progress'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach to the container\'s output and wait for it to exit'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Attach the container\'s stdin'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -s a -l all -d 'Stop all running containers'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -s i -l ignore -d 'Do not fail when a container does not exist'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -d 'Seconds to wait after the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -s a -l all -d 'Restart all containers'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -l running -d 'Restart only running containers (with --all)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'Signal to send (name or number)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -s a -l all -d 'Signal all running containers'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -l condition -d 'State to wait for: stopped/exited (the default) or running' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -s i -l interval -d 'How often to check, e.g. 250ms or 1s' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from wait" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l tail -d 'Only the last N lines (-1: all)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Only lines since this time: RFC 3339, a Unix time, or a duration such as 10m' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Only lines before this time: RFC 3339, a Unix time, or a duration such as 10m' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the container stops'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show the time of each line'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l names -d 'Prefix each line with the container\'s name (several containers: their short ids otherwise)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from logs" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'Keys that detach: comma-separated, e.g. ctrl-p,ctrl-q ("" disables)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Forward signals received to the container (not with a terminal)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not attach stdin'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from attach" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from top" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -s a -l all -d 'Show the ports of every running container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from port" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -s i -l interval -d 'Seconds between reports' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l format -d 'Output format: json, or a Go template such as {{.Name}} {{.MemUsage}}' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -s a -l all -d 'Show all containers, not only running ones'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -s l -l latest -d 'Use the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-stream -d 'Print one report and exit instead of refreshing'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-reset -d 'Do not clear the terminal between reports'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-trunc -d 'Do not truncate ids'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -l filter -d 'Only containers matching: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP (created before)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -s a -l archive -d 'Chown files copied into a container to its user (false keeps the owners of the source)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -l overwrite -d 'Replace a directory by a non-directory and vice versa'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from cp" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s a -l author -d 'Author recorded in the image' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s c -l change -d 'Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s m -l message -d 'Commit message stored in the image history' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l iidfile -d 'Write the image id to this file' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s q -l quiet -d 'Print only the image id (cove prints nothing else anyway)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -l include-volumes -d 'Make the container\'s volumes (-v, --mount and the image\'s) volumes of the image'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from commit" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set an environment variable (KEY=VALUE, KEY to copy the host\'s, KEY* for a prefix)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l env-file -d 'Read environment variables from a file of KEY=VALUE lines' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'User (name or uid) and optional group to run as: USER[:GROUP]' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside the container (default: the container\'s)' -r
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Run the command in the background (prints nothing; its output goes to /dev/null)'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep stdin open'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -l privileged -d 'Give the process every capability the user has'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container; and __fish_seen_subcommand_from exec" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand pull" -l policy -d 'When to contact the registry: always, missing (only if not stored), never (use the stored image or fail), newer (when the registry\'s manifest differs; unchanged layers are never transferred)' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand pull" -l platform -d 'Platform to pull from a multi-arch image (OS/ARCH[/VARIANT])' -r
complete -c cove -n "__fish_cove_using_subcommand pull" -l arch -d 'Architecture to pull instead of the host\'s' -r
complete -c cove -n "__fish_cove_using_subcommand pull" -l os -d 'Operating system to pull instead of the host\'s' -r
complete -c cove -n "__fish_cove_using_subcommand pull" -l variant -d 'Architecture variant (e.g. v7 for arm)' -r
complete -c cove -n "__fish_cove_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand pull" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand pull" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand pull" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand pull" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand pull" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand pull" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand pull" -s q -l quiet -d 'Print only the image id'
complete -c cove -n "__fish_cove_using_subcommand pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand pull" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand push" -l digestfile -d 'Write the pushed manifest\'s digest to this file' -r -F
complete -c cove -n "__fish_cove_using_subcommand push" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand push" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand push" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand push" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand push" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand push" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand push" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand push" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand push" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand images" -l format -d 'Output format: json, table, or a Go template such as {{.ID}}' -r
complete -c cove -n "__fish_cove_using_subcommand images" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE' -r
complete -c cove -n "__fish_cove_using_subcommand images" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand images" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand images" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand images" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand images" -s a -l all -d 'Show all images (default hides intermediate images; cove has none)'
complete -c cove -n "__fish_cove_using_subcommand images" -s q -l quiet -d 'Print only image ids'
complete -c cove -n "__fish_cove_using_subcommand images" -l no-trunc -d 'Do not truncate ids'
complete -c cove -n "__fish_cove_using_subcommand images" -l digests -d 'Show manifest digests'
complete -c cove -n "__fish_cove_using_subcommand images" -s n -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand images" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand images" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "ls" -d 'List images in local storage'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "list" -d 'List images in local storage'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "inspect" -d 'Display an image\'s configuration'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "exists" -d 'Check whether an image exists in local storage (exit 0 if it does, 1 if not)'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "history" -d 'Show the history of an image'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "rm" -d 'Remove images'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "tag" -d 'Add names to an image'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "untag" -d 'Remove a name from an image'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "pull" -d 'Pull an image from a registry'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "push" -d 'Push an image to a registry'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "save" -d 'Save images to an archive'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "load" -d 'Load images from an archive'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "import" -d 'Create an image from a tarball of a root filesystem'
complete -c cove -n "__fish_cove_using_subcommand image; and not __fish_seen_subcommand_from ls list inspect exists history rm tag untag pull push save load import prune" -f -a "prune" -d 'Remove unnamed (dangling) images, or all unused images with -a'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'Output format: json, table, or a Go template such as {{.ID}}' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (default hides intermediate images; cove has none)'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only image ids'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate ids'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show manifest digests'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l format -d 'Output format: json, table, or a Go template such as {{.ID}}' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all images (default hides intermediate images; cove has none)'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only image ids'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate ids'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -l digests -d 'Show manifest digests'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Output format: json (default) or a Go template such as {{.Id}}' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d 'Output format: json, or a Go template such as {{.CreatedBy}}' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Print sizes and dates in human readable form' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Print only layer ids'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Do not truncate output'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all images'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove the image even when it has several names (all of them go)'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail when an image does not exist'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from tag" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from untag" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l policy -d 'When to contact the registry: always, missing (only if not stored), never (use the stored image or fail), newer (when the registry\'s manifest differs; unchanged layers are never transferred)' -r -f -a "always\t''
missing\t''
never\t''
newer\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Platform to pull from a multi-arch image (OS/ARCH[/VARIANT])' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l arch -d 'Architecture to pull instead of the host\'s' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l os -d 'Operating system to pull instead of the host\'s' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l variant -d 'Architecture variant (e.g. v7 for arm)' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Print only the image id'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from pull" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l digestfile -d 'Write the pushed manifest\'s digest to this file' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP)' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l creds -d 'Credentials (USERNAME[:PASSWORD]) for the registry' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from push" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'Archive format' -r -f -a "oci-archive\t'OCI image layout in a tar (podman save --format oci-archive)'
docker-archive\t'Docker\'s `docker save` format (the default, as Podman\'s)'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from save" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Read from this file instead of stdin' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from load" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Commit message stored in the image history' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l arch -d 'Architecture recorded in the image (default: the host\'s)' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l os -d 'Operating system recorded in the image' -r
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print only the image id'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images not used by a container, not only unnamed ones'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand image; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand tag" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand tag" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand tag" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand tag" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand tag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand tag" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand rmi" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand rmi" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand rmi" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand rmi" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand rmi" -s a -l all -d 'Remove all images'
complete -c cove -n "__fish_cove_using_subcommand rmi" -s f -l force -d 'Remove the image even when it has several names (all of them go)'
complete -c cove -n "__fish_cove_using_subcommand rmi" -s i -l ignore -d 'Do not fail when an image does not exist'
complete -c cove -n "__fish_cove_using_subcommand rmi" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand rmi" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand save" -s o -l output -d 'Write to this file instead of stdout' -r -F
complete -c cove -n "__fish_cove_using_subcommand save" -l format -d 'Archive format' -r -f -a "oci-archive\t'OCI image layout in a tar (podman save --format oci-archive)'
docker-archive\t'Docker\'s `docker save` format (the default, as Podman\'s)'"
complete -c cove -n "__fish_cove_using_subcommand save" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand save" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand save" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand save" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand save" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand save" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand save" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand load" -s i -l input -d 'Read from this file instead of stdin' -r -F
complete -c cove -n "__fish_cove_using_subcommand load" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand load" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand load" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand load" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand load" -s q -l quiet -d 'Do not show progress'
complete -c cove -n "__fish_cove_using_subcommand load" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand load" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand import" -s c -l change -d 'Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)' -r
complete -c cove -n "__fish_cove_using_subcommand import" -s m -l message -d 'Commit message stored in the image history' -r
complete -c cove -n "__fish_cove_using_subcommand import" -l arch -d 'Architecture recorded in the image (default: the host\'s)' -r
complete -c cove -n "__fish_cove_using_subcommand import" -l os -d 'Operating system recorded in the image' -r
complete -c cove -n "__fish_cove_using_subcommand import" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand import" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand import" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand import" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand import" -s q -l quiet -d 'Print only the image id'
complete -c cove -n "__fish_cove_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand import" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand inspect" -s f -l format -d 'Output format: json (default) or a Go template such as {{.Id}}' -r
complete -c cove -n "__fish_cove_using_subcommand inspect" -s t -l type -d 'Type of object to inspect' -r -f -a "all\t''
container\t''
image\t''
volume\t''"
complete -c cove -n "__fish_cove_using_subcommand inspect" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand inspect" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand inspect" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand inspect" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand inspect" -s l -l latest -d 'Inspect the most recently created container'
complete -c cove -n "__fish_cove_using_subcommand inspect" -s s -l size -d 'Show the containers\' sizes (SizeRw, SizeRootFs)'
complete -c cove -n "__fish_cove_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand login" -s u -l username -r
complete -c cove -n "__fish_cove_using_subcommand login" -s p -l password -r
complete -c cove -n "__fish_cove_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates' -r -f -a "true\t''
false\t''"
complete -c cove -n "__fish_cove_using_subcommand login" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand login" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand login" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand login" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand login" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand login" -l password-stdin -d 'Read the password from stdin'
complete -c cove -n "__fish_cove_using_subcommand login" -l get-login -d 'Print the user name stored for the registry'
complete -c cove -n "__fish_cove_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand login" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand logout" -l authfile -d 'Path of the authentication file' -r -F
complete -c cove -n "__fish_cove_using_subcommand logout" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand logout" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand logout" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand logout" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand logout" -s a -l all -d 'Remove the credentials of every registry'
complete -c cove -n "__fish_cove_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand logout" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand unshare" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand unshare" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand unshare" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand unshare" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand unshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand unshare" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "create" -d 'Create a new volume'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "ls" -d 'List volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "list" -d 'List volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "rm" -d 'Remove one or more volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "remove" -d 'Remove one or more volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "prune" -d 'Remove all volumes not used by a container'
complete -c cove -n "__fish_cove_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune exists" -f -a "exists" -d 'Check whether a volume exists (exit 0 if it does, 1 if not)'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -s d -l driver -d 'Volume driver (only local)' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label on the volume (KEY=VALUE)' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -s o -l opt -d 'Set a driver option (KEY=VALUE), shown by inspect' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -l ignore -d 'Do not fail if the volume already exists (print its name)'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], dangling=true|false, driver=NAME, opt=KEY[=VALUE], scope=local, until=TIMESTAMP, after=VOLUME (since=VOLUME)' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Output format: json, table, or a Go template such as {{.Name}}' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only volume names'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], dangling=true|false, driver=NAME, opt=KEY[=VALUE], scope=local, until=TIMESTAMP, after=VOLUME (since=VOLUME)' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -l format -d 'Output format: json, table, or a Go template such as {{.Name}}' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print the column headings'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only volume names'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Output format: json (default) or a Go template such as {{.Mountpoint}}' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s a -l all -d 'Inspect all volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Do not fail on volumes that do not exist (a volume in use by a container is still refused: remove the container first)'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove all volumes'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -s f -l force -d 'Do not fail on volumes that do not exist (a volume in use by a container is still refused: remove the container first)'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -l filter -d 'Filter: label=KEY[=VALUE], label!=KEY[=VALUE], until=TIMESTAMP, after=VOLUME' -r
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand volume; and __fish_seen_subcommand_from exists" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand version" -s f -l format -d 'Output format: json or a Go template such as {{.Client.Version}}' -r
complete -c cove -n "__fish_cove_using_subcommand version" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand version" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand version" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand version" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand version" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand info" -s f -l format -d 'Output format: json or a Go template such as {{.Store.GraphRoot}}' -r
complete -c cove -n "__fish_cove_using_subcommand info" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand info" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand info" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand info" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand info" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -f -a "prune" -d 'Remove stopped containers, dangling images and, optionally, unused volumes'
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -f -a "df" -d 'Show disk usage of images, containers and volumes'
complete -c cove -n "__fish_cove_using_subcommand system; and not __fish_seen_subcommand_from prune df reset" -f -a "reset" -d 'Remove every container, image and volume, and the storage directories'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images not used by a container, not only unnamed ones'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Also remove volumes no container uses'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -l format -d 'Output format: json, or a Go template such as {{.Type}} {{.Size}}' -r
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -s v -l verbose -d 'Show each image, container and volume'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from df" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -s f -l force -d 'Do not ask for confirmation'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand system; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand completion" -s f -l file -d 'Write to this file instead of stdout' -r -F
complete -c cove -n "__fish_cove_using_subcommand completion" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand completion" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand completion" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand completion" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand completion" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and not __fish_seen_subcommand_from run" -f -a "run" -d 'Run a container\'s health check now; exit 0 if healthy, 1 if not'
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand healthcheck; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l lock-fd -r
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l report-fd -r
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l root -d 'Storage root directory (images, layers, containers, volumes)' -r -F
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l runroot -d 'Runtime state directory' -r -F
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l storage-driver -d 'Storage driver for container root filesystems' -r -f -a "auto\t'Probe once: kernel overlay when it mounts in a user namespace, else fuse, else vfs'
overlay\t'The kernel\'s overlayfs inside the user namespace'
fuse\t'cove\'s own overlay filesystem over FUSE (needs /dev/fuse); shifts ids without copying'
vfs\t'A plain copy of the layers; slow, always works'"
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -l log-level -d 'Log messages at or above this level to stderr' -r -f -a "trace\t''
debug\t''
info\t''
warn\t''
error\t''"
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cove -n "__fish_cove_using_subcommand container-monitor" -s V -l version -d 'Print version'
