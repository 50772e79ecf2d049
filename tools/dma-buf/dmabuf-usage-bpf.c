// SPDX-License-Identifier: GPL-2.0-only
/*
 * The optional libbpf half of dmabuf-usage (make BPF=1): runs the dmabuf
 * iterator program of dmabuf-usage.bpf.c and returns its output, which
 * reads like debugfs bufinfo.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dmabuf-usage.skel.h"
#include "dmabuf-usage-bpf.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

char *dmabuf_usage_bpf_bufinfo(char *err, size_t err_len)
{
	struct dmabuf_usage_bpf *skel;
	struct bpf_link *link = NULL;
	size_t len = 0, cap = 1 << 16;
	char *text = NULL;
	int fd = -1;
	ssize_t n = 0;

	libbpf_set_print(quiet);
	skel = dmabuf_usage_bpf__open_and_load();
	if (!skel) {
		snprintf(err, err_len, "loading the BPF iterator: %s", strerror(errno));
		return NULL;
	}
	link = bpf_program__attach_iter(skel->progs.bufinfo, NULL);
	if (link)
		fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		snprintf(err, err_len, "starting the BPF iterator: %s", strerror(errno));
		goto out;
	}
	text = malloc(cap);
	while (text) {
		n = read(fd, text + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
		if (cap - len < 4096) {
			char *more = realloc(text, cap * 2);

			if (!more) {
				free(text);
				text = NULL;
				errno = ENOMEM;
				break;
			}
			text = more;
			cap *= 2;
		}
	}
	if (text && n < 0) {
		free(text);
		text = NULL;
	}
	if (!text)
		snprintf(err, err_len, "reading the BPF iterator: %s", strerror(errno));
	else
		text[len] = '\0';
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	dmabuf_usage_bpf__destroy(skel);
	return text;
}
